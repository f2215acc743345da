"""Claiming due deliveries fairly, as leases, and keeping or giving back those leases.

Every claim is a lease: `locked_until` is set when a delivery is claimed, so
replicas never post the same delivery at once, and the claims of a crashed
replica become due again when the lease runs out. Leases are renewed while a
request is in flight, so a slow request or a slow database is not mistaken for
a crash.

Fairness, in one statement:
- per endpoint: at most `per_endpoint` leased deliveries across every replica
  (the leased rows are counted), so a hanging endpoint holds only its own slots;
- candidates are read per endpoint (a LATERAL per endpoint), never from one
  global queue, so one endpoint's backlog cannot hide another's due rows;
- first attempts and retries are read from separate index ranges and take
  turns, counting those already in flight, per endpoint and overall: a flood
  of due retries gets at most about half of the slots while first attempts
  wait, and retries keep about half while first attempts flood;
- the endpoint rows are locked (FOR NO KEY UPDATE SKIP LOCKED) while claiming,
  so two replicas never claim for the same endpoint at once and the cap holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.db import Conn
from shared.events_out import EventType

# Enabled endpoints below their cap, with their requests in flight (leased, any replica)
# by kind, and the room left.
_ROOM = """
    SELECT e.id, l.first_busy, l.retry_busy, {cap}::int - l.first_busy - l.retry_busy AS room
    FROM webhook_endpoints e CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE b.attempts = b.schedule_start)::int AS first_busy,
               count(*) FILTER (WHERE b.attempts > b.schedule_start)::int AS retry_busy
        FROM webhook_deliveries b
        WHERE b.endpoint_id = e.id AND b.status = 'pending'
          AND b.locked_until IS NOT NULL AND b.locked_until > now()
    ) l
    WHERE e.enabled AND l.first_busy + l.retry_busy < {cap}::int {due}
"""

# Only endpoints with something due are locked (a row lock writes to the row).
_HAS_DUE = """
    AND (EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id
                   AND d.status = 'pending' AND d.attempts = d.schedule_start
                   AND d.next_attempt_at <= now())
         OR EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id
                   AND d.status = 'pending' AND d.attempts > d.schedule_start
                   AND d.next_attempt_at <= now()))
"""

# One endpoint's due first attempts (=) or retries (>), oldest first; each kind has an index.
_DUE = """
    SELECT d.id, d.next_attempt_at FROM webhook_deliveries d
    WHERE d.endpoint_id = ep.id AND d.status = 'pending'
      AND d.attempts {cls} d.schedule_start
      AND d.next_attempt_at <= now()
      AND (d.locked_until IS NULL OR d.locked_until <= now())
    ORDER BY d.next_attempt_at, d.id
    LIMIT ep.room
"""

# The n-th candidate of a kind scores n plus the requests of that kind already in flight
# (+ 0.5 for retries, so first attempts win ties); lowest scores win. So the kinds take
# turns, within an endpoint and overall, across claim rounds too (a round often has one
# free slot). Composed from the constants above only.
_CLAIM = f"""
WITH ep AS ({_ROOM.format(cap="$2", due=_HAS_DUE)} FOR NO KEY UPDATE OF e SKIP LOCKED
), busy AS (
    SELECT count(*) FILTER (WHERE b.attempts = b.schedule_start) AS first_busy,
           count(*) FILTER (WHERE b.attempts > b.schedule_start) AS retry_busy
    FROM webhook_deliveries b
    WHERE b.status = 'pending' AND b.locked_until IS NOT NULL AND b.locked_until > now()
), cand AS (
    SELECT c.id, ep.id AS endpoint_id, c.next_attempt_at, false AS retry, ep.room,
           ep.first_busy AS busy
    FROM ep CROSS JOIN LATERAL ({_DUE.format(cls="=")}) c
    UNION ALL
    SELECT c.id, ep.id, c.next_attempt_at, true, ep.room, ep.retry_busy + 0.5
    FROM ep CROSS JOIN LATERAL ({_DUE.format(cls=">")}) c
), per_endpoint AS (
    SELECT c.*, row_number() OVER (
        PARTITION BY c.endpoint_id ORDER BY c.busy + c.class_rank
    ) AS endpoint_rank
    FROM (
        SELECT c.*, row_number() OVER (
            PARTITION BY c.endpoint_id, c.retry ORDER BY c.next_attempt_at, c.id
        ) AS class_rank
        FROM cand c
    ) c
), fair AS (
    SELECT p.id, row_number() OVER (PARTITION BY p.retry ORDER BY p.next_attempt_at, p.id)
                 + CASE WHEN p.retry THEN b.retry_busy + 0.5 ELSE b.first_busy END AS score
    FROM per_endpoint p, busy b
    WHERE p.endpoint_rank <= p.room
), picked AS (
    SELECT id FROM fair ORDER BY score LIMIT $1
)
UPDATE webhook_deliveries d
SET locked_until = now() + $3::float8 * interval '1 second'
FROM picked p, outbox o, webhook_endpoints e
WHERE d.id = p.id AND o.id = d.outbox_id AND e.id = d.endpoint_id AND d.status = 'pending'
  AND (d.locked_until IS NULL OR d.locked_until <= now())
RETURNING d.id, d.endpoint_id, d.message_id, d.event_type, d.attempts, d.schedule_start,
          d.locked_until, o.payload, o.trace_id, e.url, e.secret,
          CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret END
              AS previous_secret
"""  # noqa: S608

# The earliest next_attempt_at of one endpoint's unleased first attempts (=) or retries (>).
_EARLIEST = """(
    SELECT d.next_attempt_at FROM webhook_deliveries d
    WHERE d.endpoint_id = ep.id AND d.status = 'pending' AND d.attempts {cls} d.schedule_start
      AND (d.locked_until IS NULL OR d.locked_until <= now())
    ORDER BY d.next_attempt_at LIMIT 1
)"""

# Seconds until the earliest delivery we could claim is due (<= 0: due now).
_NEXT_DUE = f"""
WITH ep AS ({_ROOM.format(cap="$1", due="")})
SELECT EXTRACT(EPOCH FROM min(
    LEAST({_EARLIEST.format(cls="=")}, {_EARLIEST.format(cls=">")})
) - now())::float8
FROM ep
"""  # noqa: S608

# Extend the leases we still hold; returns the new lease of each.
_RENEW = """
UPDATE webhook_deliveries d SET locked_until = now() + $3::float8 * interval '1 second'
FROM unnest($1::bigint[], $2::timestamptz[]) AS r (id, lease)
WHERE d.id = r.id AND d.status = 'pending' AND d.locked_until = r.lease
RETURNING d.id, d.locked_until
"""

_RELEASE = """
UPDATE webhook_deliveries d SET locked_until = NULL
FROM unnest($1::bigint[], $2::timestamptz[]) AS r (id, lease)
WHERE d.id = r.id AND d.status = 'pending' AND d.locked_until = r.lease
"""


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery this process holds the lease on, with what it takes to send it."""

    id: int
    endpoint_id: int
    message_id: str  # the Standard Webhooks webhook-id, the same on every retry
    event_type: EventType
    attempts: int  # attempts made before this one
    schedule_start: int  # attempts made before the current schedule (replays restart it)
    lease: datetime  # locked_until when claimed (renewals are tracked by the dispatcher)
    payload: Any
    trace_id: str | None
    url: str
    secrets: tuple[str, ...]  # current secret first, then a still-valid previous one

    @property
    def attempts_in_schedule(self) -> int:
        """Attempts already made in the current retry schedule."""
        return self.attempts - self.schedule_start


async def claim_due(
    conn: Conn, *, limit: int, per_endpoint: int, lease_seconds: float
) -> list[Claim]:
    """Lease up to `limit` due deliveries, fairly (see the module docstring)."""
    rows = await conn.fetch(_CLAIM, limit, per_endpoint, lease_seconds)
    return [
        Claim(
            id=r["id"],
            endpoint_id=r["endpoint_id"],
            message_id=r["message_id"],
            event_type=EventType(r["event_type"]),
            attempts=r["attempts"],
            schedule_start=r["schedule_start"],
            lease=r["locked_until"],
            payload=r["payload"],
            trace_id=r["trace_id"],
            url=r["url"],
            secrets=(r["secret"],) + ((r["previous_secret"],) if r["previous_secret"] else ()),
        )
        for r in rows
    ]


async def seconds_until_next_due(conn: Conn, per_endpoint: int) -> float | None:
    """Seconds until the earliest claimable delivery is due (<= 0: due now), counting
    only endpoints below their cap; None when there is none."""
    value = await conn.fetchval(_NEXT_DUE, per_endpoint)
    return None if value is None else float(value)


async def renew(
    conn: Conn, leases: Sequence[tuple[int, datetime]], lease_seconds: float
) -> dict[int, datetime]:
    """Extend the leases still ours; returns delivery id -> new lease for each."""
    if not leases:
        return {}
    rows = await conn.fetch(
        _RENEW, [i for i, _ in leases], [lease for _, lease in leases], lease_seconds
    )
    return {r["id"]: r["locked_until"] for r in rows}


async def release(conn: Conn, leases: Sequence[tuple[int, datetime]]) -> None:
    """Give back leases we hold without having attempted (shutdown): due again at once."""
    if leases:
        await conn.execute(_RELEASE, [i for i, _ in leases], [lease for _, lease in leases])
