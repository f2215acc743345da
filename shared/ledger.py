"""The one writer of policy: applies new events to Postgres in one transaction.

Used by the processor (provider events, in batches) and by the management API
(manual reports, reactivations), so the policy has exactly one writer.

In one transaction: insert the events (the unique dedup keys drop any already
applied; deliveries go to their own slim, partitioned table), lock the affected
subscribers in a fixed order (email), load what the replay needs, let the pure
policy decide, update the subscribers and write the outgoing notifications to the
outbox. A commit makes all of it visible at once; a rollback leaves no trace, so a
redelivered message is simply applied again.

Bounded cost (issue 11): what is loaded does not grow with an address's deliveries.
The replay reads the address's non-delivery events since its checkpoint (retention
keeps that set small) and, per such event, the latest delivery before it: one
backward index probe each (see policy.sparse_deliveries for why that is exact).
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from shared import address, policy
from shared.db import Conn
from shared.event_time import clamp
from shared.models import CanonicalEvent, EventKind, Status
from shared.notifications import build_notifications
from shared.outbox import wake_notifier
from shared.policy import HistoryEvent, HistoryKind


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An event ready to be stored: a canonical event plus where it came from."""

    dedup_key: str
    email: str
    kind: HistoryKind
    source: str
    occurred_at: datetime
    set_status: Status | None = None
    bounce_subtype: str | None = None
    smtp_code: str | None = None
    enhanced_code: str | None = None
    diagnostic_code: str | None = None
    provider_message_id: str | None = None
    campaign_name: str | None = None
    subscriber_name: str | None = None
    ingest_id: str | None = None
    reported_at: datetime | None = None  # the source's own time, when it was clamped
    sending_domain: str | None = None  # the domain it was sent from, when known

    @classmethod
    def from_canonical(
        cls, event: CanonicalEvent, ingest_id: str | None, received_at: datetime | None = None
    ) -> EventRecord:
        """The record of `event`; its time clamped to `received_at` (+ skew) when given."""
        if event.kind is EventKind.IGNORED:
            raise ValueError("ignored events are not stored")
        occurred_at, reported_at = event.occurred_at, None
        if received_at is not None:
            occurred_at, reported_at = clamp(event.occurred_at, received_at)
        return cls(
            dedup_key=event.dedup_key,
            email=address.fold(event.email),
            kind=HistoryKind(event.kind.value),
            source=event.source.value,
            occurred_at=occurred_at,
            bounce_subtype=event.bounce_subtype,
            smtp_code=event.smtp_code,
            enhanced_code=event.enhanced_code,
            diagnostic_code=event.diagnostic,
            provider_message_id=event.provider_message_id,
            campaign_name=event.campaign_name,
            subscriber_name=event.subscriber_name,
            ingest_id=ingest_id,
            reported_at=reported_at,
            sending_domain=event.sending_domain,
        )

    def history(self) -> HistoryEvent:
        key = delivery_key(self.dedup_key) if self.kind is HistoryKind.DELIVERY else self.dedup_key
        return HistoryEvent(self.kind, self.occurred_at, key, self.set_status)


def delivery_key(dedup_key: str) -> str:
    """The 16-byte hash a delivery is stored under, as text (a UUID).

    It is the delivery's dedup key in the deliveries table and its tie-break key in
    the replay order: a stable key of the event, as CONTRACT §4 asks."""
    return str(uuid.UUID(bytes=hashlib.sha256(dedup_key.encode()).digest()[:16]))


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What one apply did: ids of newly stored events by dedup key, and its decisions."""

    inserted: dict[str, int]  # non-delivery events (deliveries have no id)
    duplicates: int
    decisions: dict[str, policy.Decision]
    outbox_rows: int
    deliveries: int = 0  # new delivery rows

    @property
    def stored(self) -> int:
        """New events of every kind."""
        return len(self.inserted) + self.deliveries


_INSERT_EVENTS = """
INSERT INTO events (dedup_key, email, kind, set_status, source, occurred_at, bounce_subtype,
                    smtp_code, enhanced_code, diagnostic_code, provider_message_id,
                    campaign_name, subscriber_name, ingest_id, reported_at, sending_domain)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                     $6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::text[],
                     $11::text[], $12::text[], $13::text[], $14::text[], $15::timestamptz[],
                     $16::text[])
ON CONFLICT (dedup_key) DO NOTHING
RETURNING id, dedup_key
"""

_INSERT_DELIVERIES = """
INSERT INTO deliveries (dedup_hash, email, occurred_at, source, reported_at, sending_domain)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::timestamptz[],
                     $6::text[])
ON CONFLICT DO NOTHING
RETURNING dedup_hash::text
"""

_ENSURE_SUBSCRIBERS = """
INSERT INTO subscribers (email, name)
SELECT * FROM unnest($1::text[], $2::text[])
ON CONFLICT (email) DO NOTHING
"""

_LOCK_SUBSCRIBERS = """
SELECT email, status, soft_streak, anchor_at, base_at, base_status, base_streak FROM subscribers
WHERE email = ANY($1::text[]) ORDER BY email FOR UPDATE
"""

# One index range scan (events_email_time) per address from its replay's lower bound,
# whatever the planner's statistics say: `OFFSET 0` keeps the lateral subquery from being
# flattened into a join, which, with stale or missing statistics, became a sequential scan
# of all events. Deliveries are not here: they are probed below.
LOAD_HISTORY = """
SELECT e.email, e.kind, e.occurred_at, e.dedup_key, e.set_status
FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS a(email, lo, hi)
CROSS JOIN LATERAL (
    SELECT email, kind, occurred_at, dedup_key, set_status FROM events
    WHERE events.email = a.email AND events.occurred_at >= a.lo AND events.occurred_at < a.hi
    OFFSET 0
) AS e
"""

# Per probe (email, lower bound, t, key): the latest delivery of the address ordered before
# (t, key) and not older than the bound. Two steps, so that no plan can sort an address's
# deliveries: its latest time by one backward scan of deliveries_email_time (the plain range
# on occurred_at lets the executor skip partitions outside [lo, t]), then the largest key at
# that time. Keys compare as Python compares them (COLLATE "C": code points).
LATEST_DELIVERIES = """
SELECT q.email, m.occurred_at, d.k
FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::text[]) AS q(email, lo, t, k)
CROSS JOIN LATERAL (
    SELECT occurred_at FROM deliveries
    WHERE deliveries.email = q.email AND occurred_at >= q.lo AND occurred_at <= q.t
      AND (occurred_at < q.t OR dedup_hash::text COLLATE "C" < q.k COLLATE "C")
    ORDER BY occurred_at DESC LIMIT 1
) AS m
CROSS JOIN LATERAL (
    SELECT max(dedup_hash::text COLLATE "C") AS k FROM deliveries
    WHERE deliveries.email = q.email AND occurred_at = m.occurred_at
      AND (m.occurred_at < q.t OR dedup_hash::text COLLATE "C" < q.k COLLATE "C")
) AS d
"""

_UPDATE_SUBSCRIBERS = """
UPDATE subscribers s SET
    status = u.status,
    soft_streak = u.soft_streak,
    bounce_count = s.bounce_count + u.new_bounces,
    last_bounce_at = GREATEST(s.last_bounce_at, u.last_bounce_at),
    status_changed_at = CASE WHEN u.changed THEN $8::timestamptz ELSE s.status_changed_at END,
    anchor_at = GREATEST(s.anchor_at, u.anchor_at),
    name = COALESCE(u.name, s.name)
FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::timestamptz[], $6::bool[],
            $7::timestamptz[], $9::text[])
     AS u(email, status, soft_streak, new_bounces, last_bounce_at, changed, anchor_at, name)
WHERE s.email = u.email
"""

_INSERT_OUTBOX = """
INSERT INTO outbox (message_id, event_type, payload, trace_id)
SELECT m, t, p::jsonb, tr
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x(m, t, p, tr)
ON CONFLICT (message_id) DO NOTHING
"""

_BOUNCES = frozenset({HistoryKind.HARD, HistoryKind.SOFT, HistoryKind.COMPLAINT})
_NO_BOUND = datetime.min.replace(tzinfo=UTC)  # sent as a timestamptz: no lower bound
_END = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where an address's replay starts: its state after every event older than `since`."""

    start: policy.AddressState
    since: datetime | None  # the retention checkpoint's time
    lower: datetime  # max(since, latest manual change): older events cannot matter

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Checkpoint:
        """From a subscribers row (status, base_*, anchor_at)."""
        since = row["base_at"]
        start = policy.AddressState()
        if since is not None:
            start = policy.AddressState(Status(row["base_status"]), row["base_streak"])
        bounds = [t for t in (since, row["anchor_at"]) if t is not None]
        return cls(start, since, max(bounds, default=_NO_BOUND))


async def replay_inputs(
    conn: Conn,
    lower: Mapping[str, datetime],
    new: Mapping[str, Sequence[HistoryEvent]],
    upper: tuple[datetime, str] = (_END, ""),
    open_streak: Collection[str] = (),
) -> dict[str, list[HistoryEvent]]:
    """Per address, the stored events a replay over [lower, upper) needs besides `new`.

    Its non-delivery events in that range and the deliveries policy.sparse_deliveries
    picks for them and the new ones (probe_deliveries): a few index probes, however
    many deliveries the address has. `new` (this transaction's events,
    already inserted) are left out: the caller passes them to the policy itself."""
    emails = sorted(lower)
    skip = {e.key for events in new.values() for e in events}
    history: dict[str, list[HistoryEvent]] = {e: [] for e in emails}
    rows = await conn.fetch(
        LOAD_HISTORY, emails, [lower[e] for e in emails], [upper[0]] * len(emails)
    )
    for row in rows:
        if row["dedup_key"] in skip:
            continue
        set_status = Status(row["set_status"]) if row["set_status"] else None
        history[row["email"]].append(
            HistoryEvent(HistoryKind(row["kind"]), row["occurred_at"], row["dedup_key"], set_status)
        )
    relevant = {
        e: [
            *history[e],
            *(
                n
                for n in new.get(e, ())
                if n.kind is not HistoryKind.DELIVERY and n.occurred_at >= lower[e]
            ),
        ]
        for e in emails
    }
    probes = await probe_deliveries(conn, lower, relevant, upper, open_streak)
    for email, found in probes.items():
        history[email].extend(d for d in found if d.key not in skip)
    return history


async def probe_deliveries(
    conn: Conn,
    lower: Mapping[str, datetime],
    relevant: Mapping[str, Sequence[HistoryEvent]],
    upper: tuple[datetime, str] = (_END, ""),
    open_streak: Collection[str] = (),
) -> dict[str, list[HistoryEvent]]:
    """The deliveries the replay of each address's `relevant` events needs.

    Exactly policy.sparse_deliveries, by index probes: per soft bounce the latest
    delivery before it (back to the previous one), and the latest before `upper` when
    the address has a soft bounce or its replay starts from a checkpoint with a streak
    (`open_streak`). Addresses with neither (most: delivery traffic) cost no probe."""
    q_email: list[str] = []
    q_lo: list[datetime] = []
    q_t: list[datetime] = []
    q_k: list[str] = []
    for email, events in relevant.items():
        softs = sorted((e.occurred_at, e.key) for e in events if e.kind is HistoryKind.SOFT)
        if not softs and email not in open_streak:
            continue
        lo = lower[email]
        for t, k in [*softs, upper]:
            # not older than the previous soft bounce: few partitions to look into
            q_email.append(email)
            q_lo.append(lo)
            q_t.append(t)
            q_k.append(k)
            lo = max(lo, t)
    found: dict[str, list[HistoryEvent]] = defaultdict(list)
    if q_email:
        for row in await conn.fetch(LATEST_DELIVERIES, q_email, q_lo, q_t, q_k):
            found[row["email"]].append(
                HistoryEvent(HistoryKind.DELIVERY, row["occurred_at"], row["k"])
            )
    return found


def _columns(records: Sequence[EventRecord]) -> list[list[object]]:
    return [
        [r.dedup_key for r in records],
        [r.email for r in records],
        [r.kind.value for r in records],
        [r.set_status.value if r.set_status else None for r in records],
        [r.source for r in records],
        [r.occurred_at for r in records],
        [r.bounce_subtype for r in records],
        [r.smtp_code for r in records],
        [r.enhanced_code for r in records],
        [r.diagnostic_code for r in records],
        [r.provider_message_id for r in records],
        [r.campaign_name for r in records],
        [r.subscriber_name for r in records],
        [r.ingest_id for r in records],
        [r.reported_at for r in records],
        [r.sending_domain for r in records],
    ]


async def apply_events(
    conn: Conn,
    records: Sequence[EventRecord],
    threshold: int,
    now: datetime | None = None,
    *,
    notify: bool = True,
) -> ApplyResult:
    """Apply `records` in one transaction; already-applied dedup keys have no effect.

    `notify=False` (bulk imports of old suppression lists) changes state without
    writing outgoing webhooks: a million-row import must not flood subscribers."""
    now = now or datetime.now(UTC)
    unique = sorted({r.dedup_key: r for r in records}.values(), key=lambda r: r.dedup_key)
    async with conn.transaction():
        deliveries = [r for r in unique if r.kind is HistoryKind.DELIVERY]
        others = [r for r in unique if r.kind is not HistoryKind.DELIVERY]
        inserted: dict[str, int] = {}
        if others:
            rows = await conn.fetch(_INSERT_EVENTS, *_columns(others))
            inserted = {row["dedup_key"]: row["id"] for row in rows}
        new_deliveries: set[str] = set()
        if deliveries:
            by_hash = {delivery_key(r.dedup_key): r.dedup_key for r in deliveries}
            rows = await conn.fetch(
                _INSERT_DELIVERIES,
                list(by_hash),
                [r.email for r in deliveries],
                [r.occurred_at for r in deliveries],
                [r.source for r in deliveries],
                [r.reported_at for r in deliveries],
                [r.sending_domain for r in deliveries],
            )
            new_deliveries = {by_hash[row["dedup_hash"]] for row in rows}
        fresh = [r for r in unique if r.dedup_key in inserted or r.dedup_key in new_deliveries]
        if not fresh:
            return ApplyResult({}, len(records), {}, 0)
        by_email: dict[str, list[EventRecord]] = defaultdict(list)
        for r in fresh:
            by_email[r.email].append(r)
        emails = sorted(by_email)
        names = [
            next((r.subscriber_name for r in by_email[e] if r.subscriber_name), None)
            for e in emails
        ]
        await conn.execute(_ENSURE_SUBSCRIBERS, emails, names)
        current = {row["email"]: row for row in await conn.fetch(_LOCK_SUBSCRIBERS, emails)}
        checkpoints = {e: Checkpoint.of(current[e]) for e in emails}
        new = {e: [r.history() for r in by_email[e]] for e in emails}
        history = await replay_inputs(
            conn,
            {e: checkpoints[e].lower for e in emails},
            new,
            open_streak={e for e in emails if checkpoints[e].start.soft_streak > 0},
        )
        decisions: dict[str, policy.Decision] = {}
        for email in emails:
            row, cp = current[email], checkpoints[email]
            before = policy.AddressState(Status(row["status"]), row["soft_streak"])
            decisions[email] = policy.decide(
                before, history[email], new[email], threshold, cp.start, cp.since
            )
        await _update_subscribers(conn, emails, by_email, decisions, names, now)
        outbox = build_notifications(by_email, decisions, inserted, now) if notify else []
        if outbox:
            await conn.execute(
                _INSERT_OUTBOX,
                [o.message_id for o in outbox],
                [o.event_type for o in outbox],
                [orjson.dumps(o.payload).decode() for o in outbox],
                [o.trace_id for o in outbox],
            )
            await wake_notifier(conn)
    return ApplyResult(
        inserted, len(records) - len(fresh), decisions, len(outbox), len(new_deliveries)
    )


async def _update_subscribers(
    conn: Conn,
    emails: list[str],
    by_email: dict[str, list[EventRecord]],
    decisions: dict[str, policy.Decision],
    names: list[str | None],
    now: datetime,
) -> None:
    new_bounces, last_bounce, anchors = [], [], []
    for email in emails:
        bounces = [r.occurred_at for r in by_email[email] if r.kind in _BOUNCES]
        manual = [r.occurred_at for r in by_email[email] if r.kind is HistoryKind.MANUAL]
        new_bounces.append(len(bounces))
        last_bounce.append(max(bounces) if bounces else None)
        anchors.append(max(manual) if manual else None)
    await conn.execute(
        _UPDATE_SUBSCRIBERS,
        emails,
        [decisions[e].state.status.value for e in emails],
        [decisions[e].state.soft_streak for e in emails],
        new_bounces,
        last_bounce,
        [decisions[e].status_changed for e in emails],
        anchors,
        now,
        names,
    )
