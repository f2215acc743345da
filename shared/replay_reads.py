"""What a replay reads (issue 11: bounded by the address's soft bounces and manual
changes, not by its deliveries or hard bounces).

An address's soft bounces and manual changes since its checkpoint, its latest hard
bounce and latest complaint (policy.sparse_history) and, per soft bounce, the latest
delivery before it: one backward index probe each (policy.sparse_deliveries). Both
reductions are exact: the replay of what is read equals the replay of everything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared import policy
from shared.db import Conn
from shared.models import Status
from shared.policy import HistoryEvent, HistoryKind

# the enum members by stored value: a lookup, not an Enum call, per row read (the tables'
# CHECK constraints admit only these values)
KINDS: Mapping[str, HistoryKind] = {k.value: k for k in HistoryKind}
STATUSES: Mapping[str, Status] = {s.value: s for s in Status}

# Per address, from its replay's lower bound: every soft bounce and manual change (index
# ranges of events_email_kind) and only the latest hard bounce and the latest complaint,
# each found as LATEST_DELIVERIES finds a delivery: its time by a backward probe, then the
# largest key at that time (no plan can sort the address's bounces: max() over an index
# prefix is one probe). Exactly policy.sparse_history, so the hard bounces an address
# keeps collecting are never read. `OFFSET 0` keeps the lateral subqueries from being
# flattened into joins whatever the planner's statistics say. Deliveries are probed below.
LOAD_HISTORY = """
SELECT a.email, e.kind, e.occurred_at, e.dedup_key, e.set_status
FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS a(email, lo, hi)
CROSS JOIN LATERAL (
    (SELECT kind, occurred_at, dedup_key, set_status FROM events
     WHERE events.email = a.email AND events.kind IN ('soft', 'manual')
       AND events.occurred_at >= a.lo AND events.occurred_at < a.hi
     OFFSET 0)
    UNION ALL
    (SELECT k.kind, m.t, (
         SELECT max(dedup_key COLLATE "C") FROM events
         WHERE events.email = a.email AND events.kind = k.kind AND events.occurred_at = m.t
     ), NULL
     FROM (VALUES ('hard'), ('complaint')) AS k(kind)
     CROSS JOIN LATERAL (
         SELECT max(occurred_at) AS t FROM events
         WHERE events.email = a.email AND events.kind = k.kind
           AND events.occurred_at >= a.lo AND events.occurred_at < a.hi
     ) AS m
     WHERE m.t IS NOT NULL)
) AS e
"""

# Per probe (email, lower bound, t, key): the latest delivery of the address ordered before
# (t, key) and not older than the bound. Two steps, so that no plan can sort an address's
# deliveries: its latest time by one backward scan of the deliveries' primary key (email,
# occurred_at, dedup_hash; the plain range on occurred_at lets the executor skip partitions
# outside [lo, t]), then the largest key at that time. Keys compare as Python compares
# them (COLLATE "C": code points).
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
        return cls(start, since, cls.lower_of(row))

    @staticmethod
    def lower_of(row: Mapping[str, Any]) -> datetime:
        """`Checkpoint.of(row).lower`, without the rest (the fast path needs only this)."""
        since: datetime | None = row["base_at"]
        anchor: datetime | None = row["anchor_at"]
        if since is None:
            return _NO_BOUND if anchor is None else anchor
        return since if anchor is None or anchor < since else anchor


async def replay_inputs(
    conn: Conn,
    lower: Mapping[str, datetime],
    new: Mapping[str, Sequence[HistoryEvent]],
    upper: tuple[datetime, str] = (_END, ""),
    open_streak: Collection[str] = (),
) -> dict[str, list[HistoryEvent]]:
    """Per address, the stored events a replay over [lower, upper) needs besides `new`.

    Its events in that range that policy.sparse_history keeps and the deliveries
    policy.sparse_deliveries picks for them and the new ones (probe_deliveries): a few
    index probes, however many deliveries and hard bounces the address has. `new` (this
    transaction's events, already inserted) are left out: the caller passes them to the
    policy itself."""
    emails = sorted(lower)
    if not emails:
        return {}
    skip = {e.key for events in new.values() for e in events}
    history: dict[str, list[HistoryEvent]] = {e: [] for e in emails}
    rows = await conn.fetch(
        LOAD_HISTORY, emails, [lower[e] for e in emails], [upper[0]] * len(emails)
    )
    for email, kind, occurred_at, dedup_key, set_status in rows:  # LOAD_HISTORY's columns
        if dedup_key in skip:
            continue
        history[email].append(
            HistoryEvent(
                KINDS[kind], occurred_at, dedup_key, STATUSES[set_status] if set_status else None
            )
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
