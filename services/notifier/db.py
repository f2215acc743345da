"""The notifier's SQL, as named async functions taking a connection.

Every claim is a lease: `locked_until` is set when a delivery is claimed, so
several notifier replicas never post the same delivery at once, and the claims
of a crashed replica become due again when the lease runs out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.notifier.outcome import AttemptResult, Kind, Outcome
from shared.db import Conn

_RELAY = """
WITH batch AS (
    SELECT id, message_id, event_type FROM outbox
    WHERE relayed_at IS NULL
    ORDER BY id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
), queued AS (
    INSERT INTO webhook_deliveries (outbox_id, endpoint_id, message_id, event_type)
    SELECT b.id, e.id, b.message_id, b.event_type
    FROM batch b JOIN webhook_endpoints e ON e.enabled AND b.event_type = ANY (e.events)
    ON CONFLICT (outbox_id, endpoint_id) DO NOTHING
    RETURNING 1
), relayed AS (
    UPDATE outbox o SET relayed_at = now() FROM batch b WHERE o.id = b.id RETURNING 1
)
SELECT (SELECT count(*) FROM relayed) AS relayed, (SELECT count(*) FROM queued) AS queued
"""

# Candidates are locked (SKIP LOCKED: rows another replica is claiming are skipped),
# then at most `room` per endpoint are kept, so one endpoint cannot take every slot.
_CLAIM = """
WITH candidates AS (
    SELECT d.id, d.endpoint_id, d.next_attempt_at
    FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled
    WHERE d.status = 'pending'
      AND d.next_attempt_at <= now()
      AND (d.locked_until IS NULL OR d.locked_until < now())
      AND d.endpoint_id <> ALL ($3::bigint[])
    ORDER BY d.next_attempt_at
    LIMIT $2
    FOR UPDATE OF d SKIP LOCKED
), ranked AS (
    SELECT c.id, c.next_attempt_at,
           row_number() OVER (PARTITION BY c.endpoint_id ORDER BY c.next_attempt_at, c.id) AS rn,
           COALESCE(b.room, $6::int) AS room
    FROM candidates c
    LEFT JOIN unnest($4::bigint[], $5::int[]) AS b (endpoint_id, room)
           ON b.endpoint_id = c.endpoint_id
), picked AS (
    SELECT id FROM ranked WHERE rn <= room ORDER BY next_attempt_at, id LIMIT $1
)
UPDATE webhook_deliveries d
SET locked_until = now() + $7::float8 * interval '1 second'
FROM picked p, outbox o, webhook_endpoints e
WHERE d.id = p.id AND o.id = d.outbox_id AND e.id = d.endpoint_id
RETURNING d.id, d.endpoint_id, d.message_id, d.event_type, d.attempts, d.locked_until,
          o.payload, o.trace_id, e.url, e.secret,
          CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret END
              AS previous_secret
"""

# Seconds until the earliest claimable delivery (negative: already due).
_NEXT_DUE = """
SELECT EXTRACT(EPOCH FROM (d.next_attempt_at - now()))::float8
FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled
WHERE d.status = 'pending'
  AND (d.locked_until IS NULL OR d.locked_until < now())
  AND d.endpoint_id <> ALL ($1::bigint[])
ORDER BY d.next_attempt_at
LIMIT 1
"""

_INSERT_ATTEMPT = """
INSERT INTO webhook_attempts (delivery_id, status_code, latency_ms, error, response_body)
VALUES ($1, $2, $3, $4, $5)
"""

# Success and 410 end the delivery whoever holds the lease: the request did happen.
_SUCCEEDED = """
UPDATE webhook_deliveries
SET status = 'succeeded', attempts = attempts + 1, completed_at = now(), locked_until = NULL,
    last_status_code = $2, last_error = NULL
WHERE id = $1 AND status = 'pending'
"""

_GONE = """
UPDATE webhook_deliveries
SET status = 'failed', attempts = attempts + 1, completed_at = now(), locked_until = NULL,
    last_status_code = $2, last_error = $3
WHERE id = $1 AND status = 'pending'
"""

# A retry or a dead letter is decided only by the holder of the lease ($3).
_RETRY = """
UPDATE webhook_deliveries
SET attempts = attempts + 1, next_attempt_at = now() + $4::float8 * interval '1 second',
    locked_until = NULL, last_status_code = $2, last_error = $5
WHERE id = $1 AND status = 'pending' AND locked_until = $3
"""

_FAILED = """
UPDATE webhook_deliveries
SET status = 'failed', attempts = attempts + 1, completed_at = now(), locked_until = NULL,
    last_status_code = $2, last_error = $4
WHERE id = $1 AND status = 'pending' AND locked_until = $3
"""

_ENDPOINT_HEALTHY = """
UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL
"""

_ENDPOINT_FAILING = """
UPDATE webhook_endpoints SET failing_since = now() WHERE id = $1 AND failing_since IS NULL
"""

_DISABLE_ENDPOINT = """
UPDATE webhook_endpoints
SET enabled = false, disabled_reason = $2, failing_since = COALESCE(failing_since, now()),
    updated_at = now()
WHERE id = $1
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
    event_type: str
    attempts: int  # attempts made before this one
    lease: datetime  # our locked_until: proves the claim is still ours
    payload: Any
    trace_id: str | None
    url: str
    secrets: tuple[str, ...]  # current secret first, then a still-valid previous one


async def relay_batch(conn: Conn, limit: int) -> tuple[int, int]:
    """Turn up to `limit` unrelayed outbox rows into deliveries, one per subscribed
    enabled endpoint. One statement, so one transaction; returns (relayed, queued)."""
    row = await conn.fetchrow(_RELAY, limit)
    assert row is not None
    return int(row["relayed"]), int(row["queued"])


async def claim_due(
    conn: Conn,
    *,
    limit: int,
    per_endpoint: int,
    in_flight: Mapping[int, int],
    lease_seconds: float,
) -> list[Claim]:
    """Lease up to `limit` due deliveries, at most `per_endpoint` in flight per endpoint
    counting the `in_flight` ones this process already holds."""
    saturated = [e for e, n in in_flight.items() if n >= per_endpoint]
    busy = [(e, per_endpoint - n) for e, n in in_flight.items() if n < per_endpoint]
    rows = await conn.fetch(
        _CLAIM,
        limit,
        # look past the first `limit` rows so one endpoint's backlog leaves room for others
        limit * 4,
        saturated,
        [e for e, _ in busy],
        [room for _, room in busy],
        per_endpoint,
        lease_seconds,
    )
    return [
        Claim(
            id=r["id"],
            endpoint_id=r["endpoint_id"],
            message_id=r["message_id"],
            event_type=r["event_type"],
            attempts=r["attempts"],
            lease=r["locked_until"],
            payload=r["payload"],
            trace_id=r["trace_id"],
            url=r["url"],
            secrets=(r["secret"],) + ((r["previous_secret"],) if r["previous_secret"] else ()),
        )
        for r in rows
    ]


async def seconds_until_next_due(conn: Conn, exclude_endpoints: Sequence[int]) -> float | None:
    """Seconds until the earliest unleased pending delivery is due (<= 0: due now);
    None when there is none. Endpoints in `exclude_endpoints` are not considered."""
    value = await conn.fetchval(_NEXT_DUE, list(exclude_endpoints))
    return None if value is None else float(value)


async def record_attempt(conn: Conn, claim: Claim, result: AttemptResult, outcome: Outcome) -> bool:
    """Store the attempt and apply its outcome in one transaction.

    Returns False when the delivery was no longer ours to update (lease lost or
    already finished); the attempt row is stored either way.
    """
    code = result.status_code
    async with conn.transaction():
        await conn.execute(
            _INSERT_ATTEMPT,
            claim.id,
            code,
            result.latency_ms,
            result.error,
            result.response_body,
        )
        if outcome.kind is Kind.SUCCEEDED:
            status = await conn.execute(_SUCCEEDED, claim.id, code)
            await conn.execute(_ENDPOINT_HEALTHY, claim.endpoint_id)
        elif outcome.kind is Kind.GONE:
            status = await conn.execute(_GONE, claim.id, code, outcome.reason)
            await conn.execute(_DISABLE_ENDPOINT, claim.endpoint_id, outcome.reason)
        elif outcome.kind is Kind.RETRY:
            status = await conn.execute(
                _RETRY, claim.id, code, claim.lease, outcome.retry_in, outcome.reason
            )
            await conn.execute(_ENDPOINT_FAILING, claim.endpoint_id)
        else:
            status = await conn.execute(_FAILED, claim.id, code, claim.lease, outcome.reason)
            await conn.execute(_ENDPOINT_FAILING, claim.endpoint_id)
    return status != "UPDATE 0"


async def release(conn: Conn, claims: Sequence[Claim]) -> None:
    """Give back leases we hold without having attempted (shutdown): due again at once."""
    if claims:
        await conn.execute(_RELEASE, [c.id for c in claims], [c.lease for c in claims])
