"""The one writer of policy: applies new events to Postgres in one transaction.

Used by the processor (provider events, in batches) and by the management API
(manual reports, reactivations), so the policy has exactly one writer.

In one transaction: insert the events (the unique dedup keys drop any already
applied; deliveries go to their own slim, partitioned table), lock the affected
subscribers in a fixed order (email), load what the replay needs, let the pure
policy decide, update the subscribers and write the outgoing notifications to the
outbox. A commit makes all of it visible at once; a rollback leaves no trace, so a
redelivered message is simply applied again.

Bounded cost (issue 11): what is loaded does not grow with an address's history.
Deliveries to an address without a soft-bounce streak and hard bounces or complaints
later than its last manual change apply on top of its stored state with nothing read
(policy.fast_forward). Anything else replays: the address's soft bounces and manual
changes since its checkpoint, its latest hard bounce and complaint, and per soft bounce
the latest delivery before it: an index probe each (policy.sparse_history and
policy.sparse_deliveries say why that is exact).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

import orjson

from shared import policy
from shared.db import Conn
from shared.event_records import ApplyResult, EventRecord, delivery_key
from shared.notifications import OutboxMessage, build_notifications
from shared.outbox import subscribed_types, wake_notifier
from shared.policy import HistoryKind
from shared.replay_reads import STATUSES, Checkpoint, replay_inputs

__all__ = ["ApplyResult", "EventRecord", "apply_events"]  # the first two: its input, output

# Rows go in as one JSON text each statement, read by json_to_recordset: orjson writes it
# in C, where asyncpg encoded 16 arrays element by element in Python (an ABC isinstance
# check per value: ~15 % of the processor's CPU on batches of 2,000 events).
_INSERT_EVENTS = """
INSERT INTO events (dedup_key, email, kind, set_status, source, occurred_at, bounce_subtype,
                    smtp_code, enhanced_code, diagnostic_code, provider_message_id,
                    campaign_name, subscriber_name, ingest_id, reported_at, sending_domain)
SELECT * FROM json_to_recordset($1::text::json) AS r(
    dedup_key text, email text, kind text, set_status text, source text,
    occurred_at timestamptz, bounce_subtype text, smtp_code text, enhanced_code text,
    diagnostic_code text, provider_message_id text, campaign_name text, subscriber_name text,
    ingest_id text, reported_at timestamptz, sending_domain text)
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

# What the apply reads of each address: its status and where its replay starts.
_STATE = "email, status, soft_streak, anchor_at, base_at, base_status, base_streak"
_LOCK_SUBSCRIBERS = f"""
SELECT {_STATE} FROM subscribers WHERE email = ANY($1::text[]) ORDER BY email FOR UPDATE
"""  # noqa: S608 (constants)

# The batch's addresses, locked in email order, and those not stored yet inserted (a row
# this transaction inserts is its own): one statement, and no insert attempted for an
# address that exists, which is nearly every address once a list has history (the
# conflict check of INSERT ... ON CONFLICT read and dirtied as many pages as the lock).
# An address another transaction inserts meanwhile is not returned (its insert conflicts
# and does nothing); _LOCK_SUBSCRIBERS then locks it, committed, in a new statement.
_LOCK_OR_ADD_SUBSCRIBERS = f"""
WITH locked AS ({_LOCK_SUBSCRIBERS}), added AS (
    INSERT INTO subscribers (email, name)
    SELECT w.email, w.name FROM unnest($1::text[], $2::text[]) AS w(email, name)
    WHERE w.email NOT IN (SELECT email FROM locked)
    ON CONFLICT (email) DO NOTHING
    RETURNING {_STATE}
)
SELECT * FROM locked UNION ALL SELECT * FROM added
"""  # noqa: S608 (constants)

_UPDATE_SUBSCRIBERS = """
UPDATE subscribers s SET
    status = u.status,
    soft_streak = u.soft_streak,
    bounce_count = s.bounce_count + u.new_bounces,
    last_bounce_at = GREATEST(s.last_bounce_at, u.last_bounce_at),
    status_changed_at = CASE WHEN u.changed THEN $2::timestamptz ELSE s.status_changed_at END,
    anchor_at = GREATEST(s.anchor_at, u.anchor_at),
    name = COALESCE(u.name, s.name)
FROM json_to_recordset($1::text::json) AS u(
    email text, status text, soft_streak int, new_bounces int, last_bounce_at timestamptz,
    changed bool, anchor_at timestamptz, name text)
WHERE s.email = u.email
"""

_INSERT_OUTBOX = """
INSERT INTO outbox (message_id, event_type, payload, trace_id)
SELECT * FROM json_to_recordset($1::text::json)
    AS r(message_id text, event_type text, payload jsonb, trace_id text)
ON CONFLICT (message_id) DO NOTHING
"""

_BOUNCES = frozenset({HistoryKind.HARD, HistoryKind.SOFT, HistoryKind.COMPLAINT})


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
        inserted, new_deliveries = await _insert(conn, unique)
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
        current = {r["email"]: r for r in await conn.fetch(_LOCK_OR_ADD_SUBSCRIBERS, emails, names)}
        if len(current) < len(emails):  # inserted meanwhile by another transaction
            late = [e for e in emails if e not in current]
            current.update((r["email"], r) for r in await conn.fetch(_LOCK_SUBSCRIBERS, late))
        before: dict[str, policy.AddressState] = {}
        new: dict[str, list[policy.HistoryEvent]] = {}
        replays: dict[str, Checkpoint] = {}  # most events need no history at all
        for e in emails:
            row = current[e]
            before[e] = policy.AddressState(STATUSES[row["status"]], row["soft_streak"])
            new[e] = [r.history() for r in by_email[e]]
            if not policy.fast_forward(before[e], new[e], Checkpoint.lower_of(row)):
                replays[e] = Checkpoint.of(row)
        history = await replay_inputs(
            conn,
            {e: cp.lower for e, cp in replays.items()},
            {e: new[e] for e in replays},
            open_streak={e for e, cp in replays.items() if cp.start.soft_streak > 0},
        )
        decisions: dict[str, policy.Decision] = {}
        for email in emails:
            cp = replays.get(email)
            if cp is not None:
                decisions[email] = policy.decide(
                    before[email], history[email], new[email], threshold, cp.start, cp.since
                )
            else:  # on top of the stored state, which is the replay of all stored events
                decisions[email] = policy.decide(
                    before[email], [], new[email], threshold, before[email]
                )
        await _update_subscribers(conn, emails, by_email, decisions, names, now)
        outbox = (
            build_notifications(by_email, decisions, inserted, now, await subscribed_types(conn))
            if notify and any(d.notify for d in decisions.values())
            else []
        )
        if outbox:
            await _write_outbox(conn, outbox)
    return ApplyResult(
        inserted, len(records) - len(fresh), decisions, len(outbox), len(new_deliveries)
    )


async def _insert(conn: Conn, unique: Sequence[EventRecord]) -> tuple[dict[str, int], set[str]]:
    """Store what is new: (event ids by dedup key, dedup keys of new deliveries)."""
    deliveries = [r for r in unique if r.kind is HistoryKind.DELIVERY]
    others = [r for r in unique if r.kind is not HistoryKind.DELIVERY]
    inserted: dict[str, int] = {}
    if others:
        # the records' fields are the columns (orjson writes dataclasses and enums)
        rows = await conn.fetch(_INSERT_EVENTS, orjson.dumps(others).decode())
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
    return inserted, new_deliveries


async def _write_outbox(conn: Conn, outbox: Sequence[OutboxMessage]) -> None:
    await conn.execute(_INSERT_OUTBOX, orjson.dumps(outbox).decode())
    await wake_notifier(conn)


async def _update_subscribers(
    conn: Conn,
    emails: list[str],
    by_email: dict[str, list[EventRecord]],
    decisions: dict[str, policy.Decision],
    names: list[str | None],
    now: datetime,
) -> None:
    rows = []
    for email, name in zip(emails, names, strict=True):
        bounces = [r.occurred_at for r in by_email[email] if r.kind in _BOUNCES]
        manual = [r.occurred_at for r in by_email[email] if r.kind is HistoryKind.MANUAL]
        decision = decisions[email]
        rows.append(
            {
                "email": email,
                "status": decision.state.status,
                "soft_streak": decision.state.soft_streak,
                "new_bounces": len(bounces),
                "last_bounce_at": max(bounces, default=None),
                "changed": decision.status_changed,
                "anchor_at": max(manual, default=None),
                "name": name,
            }
        )
    await conn.execute(_UPDATE_SUBSCRIBERS, orjson.dumps(rows).decode(), now)
