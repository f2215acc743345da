"""Retention (issue 11): what may go, deleted by age, in small batches or whole partitions.

One function per table family; each returns how many rows (or partitions) went and
reports progress through an optional callback after every batch, so `bounceflow
prune` can show it and the automatic pass (services/processor/housekeeping.py) can
log it. Every batch is its own short transaction: a prune never holds locks the
pipeline waits on for long, and an interrupted prune resumes where it stopped.

- events (bounces, complaints, manual changes) that happened and were received before
  the retention's cutoff: first the
  address's replay checkpoint is moved to the cutoff (its state after every older
  event, deliveries included), then the events are deleted. The stored state and
  every later decision stay exactly what they were (tests/integration/test_retention.py).
- deliveries: monthly partitions wholly older than the cutoff are dropped (no dead
  rows, no vacuum), after the checkpoints that still needed them have moved, and
  deliveries_past takes over their range; its rows (late events older than every
  month) by DELETE.
- outgoing-webhook log: attempts, finished deliveries, then relayed outbox rows with
  no delivery left, older than the webhook-log retention.
- idempotency keys (a retry a day later is a new request, as at Stripe) and replay-guard
  rows (older than twice the signature tolerance, after which the signature fails anyway).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import orjson

from shared import policy
from shared.db import Conn
from shared.replay_reads import Checkpoint, replay_inputs

Progress = Callable[[str, int], None]  # (table family, rows done so far)

BATCH = 2_000
IDEMPOTENCY_TTL = timedelta(hours=24)
PARTITIONS_AHEAD = timedelta(days=62)  # deliveries partitions exist this far ahead of now


@dataclass(frozen=True, slots=True)
class Policy:
    """How long each family is kept."""

    events: timedelta = timedelta(days=400)
    webhook_log: timedelta = timedelta(days=30)
    idempotency_keys: timedelta = IDEMPOTENCY_TTL
    replay_guard: timedelta = timedelta(hours=1)


@dataclass(slots=True)
class Report:
    """What one prune removed, by family."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, family: str, n: int) -> None:
        self.counts[family] = self.counts.get(family, 0) + n

    def summary(self) -> str:
        return ", ".join(f"{k} {v:,}" for k, v in self.counts.items()) or "nothing"


def _noop(_family: str, _done: int) -> None:
    return None


_OLD_EVENT_ADDRESSES = """
SELECT DISTINCT email FROM (
    SELECT email FROM events WHERE GREATEST(occurred_at, created_at) < $1
    ORDER BY GREATEST(occurred_at, created_at) LIMIT $2
) e
"""  # events_prunable: one index range, however many old-dated events came in recently
_OPEN_STREAKS = """
SELECT email FROM subscribers
WHERE base_streak > 0 AND base_at < $1 AND email > $2 ORDER BY email LIMIT $3
"""
_LOCK = """
SELECT email, status, anchor_at, base_at, base_status, base_streak FROM subscribers
WHERE email = ANY($1::text[]) ORDER BY email FOR UPDATE
"""
_SET_CHECKPOINT = """
UPDATE subscribers s SET base_at = $4, base_status = u.status, base_streak = u.streak
FROM unnest($1::text[], $2::text[], $3::int[]) AS u(email, status, streak)
WHERE s.email = u.email
"""
# an event goes when it happened AND was received before the cutoff: an old event that
# arrives late (a provider's backlog, an imported suppression list) stays in the bounce
# log for the retention period after it came (it is in the checkpoint's state either way)
_DELETE_OLD_EVENTS = (
    "DELETE FROM events WHERE email = ANY($1::text[]) AND occurred_at < $2 AND created_at < $2"
)


async def _fold(conn: Conn, emails: list[str], cutoff: datetime, threshold: int) -> int:
    """Move the checkpoints of `emails` to `cutoff`, then delete their older events."""
    async with conn.transaction():
        rows = await conn.fetch(_LOCK, emails)
        lower: dict[str, datetime] = {}
        checkpoints: dict[str, Checkpoint] = {}
        for row in rows:
            cp = Checkpoint.of(row)
            if cp.since is None or cp.since < cutoff:
                checkpoints[row["email"]] = cp
                lower[row["email"]] = cp.lower
        if lower:
            open_streak = {e for e in lower if checkpoints[e].start.soft_streak > 0}
            history = await replay_inputs(conn, lower, {}, (cutoff, ""), open_streak)
            states = {e: policy.replay(history[e], threshold, checkpoints[e].start) for e in lower}
            await conn.execute(
                _SET_CHECKPOINT,
                list(states),
                [s.status.value for s in states.values()],
                [s.soft_streak for s in states.values()],
                cutoff,
            )
        done = await conn.execute(_DELETE_OLD_EVENTS, emails, cutoff)
    return int(done.split()[-1])


async def prune_events(
    conn: Conn, cutoff: datetime, threshold: int, progress: Progress = _noop
) -> int:
    """Delete events older than `cutoff`, each address's checkpoint moved first."""
    deleted = 0
    while emails := [r["email"] for r in await conn.fetch(_OLD_EVENT_ADDRESSES, cutoff, BATCH)]:
        deleted += await _fold(conn, sorted(emails), cutoff, threshold)
        progress("events", deleted)
    # checkpoints with an open streak: a delivery about to be dropped may have ended it
    last = ""
    while emails := [r["email"] for r in await conn.fetch(_OPEN_STREAKS, cutoff, last, BATCH)]:
        await _fold(conn, emails, cutoff, threshold)
        last = emails[-1]
    return deleted


async def ensure_delivery_partitions(conn: Conn, now: datetime) -> int:
    """Create the monthly deliveries partitions up to PARTITIONS_AHEAD; the number created."""
    async with conn.transaction():
        await conn.execute("SET LOCAL lock_timeout = '5s'")
        created = await conn.fetchval(
            "SELECT bounceflow_delivery_partitions($1)", now + PARTITIONS_AHEAD
        )
    return int(created)


async def prune_deliveries(conn: Conn, cutoff: datetime, progress: Progress = _noop) -> int:
    """Deliveries older than `cutoff`: whole month partitions dropped, stragglers deleted.

    Returns the rows deleted from deliveries_past (late events older than every month)
    plus the partitions dropped (whose rows are not counted: counting would read them)."""
    deleted = await _batched(
        conn,
        "DELETE FROM deliveries_past WHERE ctid IN ("
        " SELECT ctid FROM deliveries_past WHERE occurred_at < $1 LIMIT $2)",
        cutoff,
        "deliveries",
        progress,
    )
    async with conn.transaction():
        # the parent's lock is brief, but never wait behind a long query for it
        await conn.execute("SET LOCAL lock_timeout = '5s'")
        dropped = int(await conn.fetchval("SELECT bounceflow_delivery_retire($1)", cutoff))
    progress("delivery partitions", dropped)
    return dropped + deleted


async def _batched(conn: Conn, sql: str, cutoff: datetime, family: str, progress: Progress) -> int:
    """Run a `DELETE ... LIMIT $2` statement until it deletes nothing; the rows deleted."""
    total = 0
    while True:
        status = await conn.execute(sql, cutoff, BATCH)
        n = int(status.split()[-1])
        if n == 0:
            return total
        total += n
        progress(family, total)


async def prune_webhook_log(conn: Conn, cutoff: datetime, progress: Progress = _noop) -> int:
    """Attempts, finished webhook deliveries and relayed outbox rows older than `cutoff`."""
    attempts = await _batched(
        conn,
        "DELETE FROM webhook_attempts WHERE id IN ("
        " SELECT id FROM webhook_attempts WHERE attempted_at < $1 LIMIT $2)",
        cutoff,
        "webhook attempts",
        progress,
    )
    deliveries = await _batched(
        conn,
        "DELETE FROM webhook_deliveries WHERE id IN ("
        " SELECT id FROM webhook_deliveries"
        " WHERE status <> 'pending' AND created_at < $1 LIMIT $2)",
        cutoff,
        "webhook deliveries",
        progress,
    )
    outbox = await _batched(
        conn,
        "DELETE FROM outbox WHERE id IN ("
        " SELECT o.id FROM outbox o WHERE o.relayed_at < $1"
        " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.outbox_id = o.id)"
        " LIMIT $2)",
        cutoff,
        "outbox",
        progress,
    )
    return attempts + deliveries + outbox


async def prune_idempotency_keys(conn: Conn, cutoff: datetime, progress: Progress = _noop) -> int:
    """Idempotency keys older than `cutoff`: a retry after that is a new request."""
    return await _batched(
        conn,
        "DELETE FROM idempotency_keys WHERE (api_key_id, key) IN ("
        " SELECT api_key_id, key FROM idempotency_keys WHERE created_at < $1 LIMIT $2)",
        cutoff,
        "idempotency keys",
        progress,
    )


async def prune_replay_guard(conn: Conn, cutoff: datetime, progress: Progress = _noop) -> int:
    """Replay-guard tokens claimed before `cutoff` (past the signature tolerance both ways,
    a replay of them fails the timestamp check anyway)."""
    return await _batched(
        conn,
        "DELETE FROM replay_guard WHERE (provider, token) IN ("
        " SELECT provider, token FROM replay_guard WHERE seen_at < $1 LIMIT $2)",
        cutoff,
        "replay guard",
        progress,
    )


async def prune(
    conn: Conn,
    keep: Policy,
    threshold: int,
    now: datetime | None = None,
    progress: Progress = _noop,
) -> Report:
    """Everything above, in an order that keeps every result right; records the run."""
    now = now or datetime.now(UTC)
    report = Report()
    report.add("delivery partitions created", await ensure_delivery_partitions(conn, now))
    cutoff = now - keep.events
    # events before deliveries: the checkpoints are computed from the deliveries
    report.add("events", await prune_events(conn, cutoff, threshold, progress))
    report.add("deliveries", await prune_deliveries(conn, cutoff, progress))
    report.add("webhook log", await prune_webhook_log(conn, now - keep.webhook_log, progress))
    report.add(
        "idempotency keys",
        await prune_idempotency_keys(conn, now - keep.idempotency_keys, progress),
    )
    report.add("replay guard", await prune_replay_guard(conn, now - keep.replay_guard, progress))
    await conn.execute(
        "INSERT INTO maintenance (task, last_run_at, result) VALUES ('prune', $1, $2::jsonb) "
        "ON CONFLICT (task) DO UPDATE SET last_run_at = $1, result = EXCLUDED.result",
        now,
        orjson.dumps(report.counts).decode(),
    )
    return report


async def last_prune(conn: Conn) -> tuple[datetime, dict[str, int]] | None:
    """When the last prune ran and what it removed (for `bounceflow status`)."""
    row = await conn.fetchrow("SELECT last_run_at, result FROM maintenance WHERE task = 'prune'")
    if row is None:
        return None
    result = row["result"]
    return row["last_run_at"], orjson.loads(result) if isinstance(result, str) else result
