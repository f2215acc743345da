"""Deliveries made and finished: the outbox relay (outbox row -> one pending delivery per
subscribed enabled endpoint) and recording attempts (-> succeeded, retry, failed, and
what they do to the endpoint: a failure streak, disabling it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from shared.db import Conn
from shared.webhook_deliveries.claims import Claim
from shared.webhook_deliveries.outcomes import AttemptResult, Kind, Outcome

# The start of the reason an endpoint is disabled with after failing for too long.
AUTO_DISABLED = "failing continuously since"

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

# Attempts of a batch, in the order they finished; a delivery deleted meanwhile (with its
# endpoint) is skipped, and the lock keeps it from being deleted before the insert.
_INSERT_ATTEMPTS = """
INSERT INTO webhook_attempts (delivery_id, status_code, latency_ms, error, response_body)
SELECT r.id, r.code, r.latency, r.error, r.body
FROM unnest($1::bigint[], $2::int[], $3::float8[], $4::text[], $5::text[])
     WITH ORDINALITY AS r (id, code, latency, error, body, n)
JOIN webhook_deliveries d ON d.id = r.id
ORDER BY r.n
FOR KEY SHARE OF d
"""

# Success and 410 end the delivery whoever holds the lease (the request did happen); a
# retry or a dead letter is decided only by the holder of the lease. Returns ours.
_APPLY_OUTCOMES = """
UPDATE webhook_deliveries d
SET attempts = d.attempts + 1,
    status = CASE r.kind WHEN 'retry' THEN 'pending' WHEN 'succeeded' THEN 'succeeded'
                         ELSE 'failed' END,
    completed_at = CASE WHEN r.kind = 'retry' THEN NULL ELSE now() END,
    next_attempt_at = CASE WHEN r.kind = 'retry'
                           THEN now() + r.retry_in * interval '1 second'
                           ELSE d.next_attempt_at END,
    locked_until = NULL, last_status_code = r.code, last_error = r.reason
FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::int[], $5::float8[], $6::text[])
     AS r (id, kind, lease, code, retry_in, reason)
WHERE d.id = r.id AND d.status = 'pending'
  AND (r.kind IN ('succeeded', 'gone') OR d.locked_until = r.lease)
RETURNING d.id
"""

# Failing continuously (no success since failing_since) for longer than $3 seconds.
_EXPIRED = (
    "(NOT a.ok AND NOT a.gone AND e.enabled AND e.failing_since IS NOT NULL"
    " AND e.failing_since < now() - $3::float8 * interval '1 second')"
)

# What a batch's attempts mean for their endpoints, in one statement (rows are locked in
# one consistent order, so replicas recording at once cannot deadlock): a success ends
# the failure streak, a failure starts one, 410 disables, and a streak longer than $3
# seconds disables. Only rows that change are written.
_APPLY_TO_ENDPOINTS = f"""
UPDATE webhook_endpoints e SET
    failing_since = CASE WHEN a.ok THEN NULL ELSE COALESCE(e.failing_since, now()) END,
    enabled = e.enabled AND NOT a.gone AND NOT {_EXPIRED},
    disabled_reason = CASE
        WHEN a.gone THEN $4
        WHEN {_EXPIRED} THEN '{AUTO_DISABLED} '
            || to_char(e.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            || ' (longer than ' || round($3::float8)::bigint || ' s);'
            || ' re-enable it once it answers 2xx'
        ELSE e.disabled_reason END,
    updated_at = CASE WHEN a.gone OR {_EXPIRED} THEN now() ELSE e.updated_at END
FROM unnest($1::bigint[], $2::bool[], $5::bool[]) AS a (id, ok, gone)
WHERE e.id = a.id
  AND (a.gone OR (a.ok AND e.failing_since IS NOT NULL)
       OR (NOT a.ok AND e.failing_since IS NULL) OR {_EXPIRED})
RETURNING e.id, e.failing_since, (e.updated_at = now() AND NOT a.gone) AS auto_disabled
"""  # noqa: S608 - constants only


@dataclass(frozen=True, slots=True)
class Attempted:
    """An attempt made under a lease, with its decided outcome, ready to be stored."""

    claim: Claim
    lease: datetime  # our current locked_until (renewals move it)
    result: AttemptResult
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class Recorded:
    """What storing a batch of attempts did."""

    ours: frozenset[int]  # deliveries updated; others were finished, deleted or taken over
    auto_disabled: dict[int, datetime]  # endpoint id -> failing_since, disabled just now


async def relay_batch(conn: Conn, limit: int) -> tuple[int, int]:
    """Turn up to `limit` unrelayed outbox rows into deliveries, one per subscribed
    enabled endpoint. One statement, so one transaction; returns (relayed, queued)."""
    row = await conn.fetchrow(_RELAY, limit)
    assert row is not None
    return int(row["relayed"]), int(row["queued"])


async def record_batch(conn: Conn, batch: Sequence[Attempted], disable_after: float) -> Recorded:
    """Store the attempts and apply their outcomes to deliveries and endpoints, all in one
    transaction (a few statements, whatever the batch size).

    An endpoint failing for longer than `disable_after` seconds is disabled. A
    delivery deleted meanwhile (its endpoint was) is skipped.
    """
    results = [a.result for a in batch]
    ids = [a.claim.id for a in batch]
    endpoints: dict[int, tuple[bool, bool]] = {}  # id -> (any success, any 410)
    for a in batch:
        ok, gone = endpoints.get(a.claim.endpoint_id, (False, False))
        endpoints[a.claim.endpoint_id] = (
            ok or a.outcome.kind is Kind.SUCCEEDED,
            gone or a.outcome.kind is Kind.GONE,
        )
    order = sorted(endpoints)
    gone_reason = next((a.outcome.reason for a in batch if a.outcome.kind is Kind.GONE), None)
    async with conn.transaction():
        await conn.execute(
            _INSERT_ATTEMPTS,
            ids,
            [r.status_code for r in results],
            [r.latency_ms for r in results],
            [r.error for r in results],
            [r.response_body for r in results],
        )
        ours = await conn.fetch(
            _APPLY_OUTCOMES,
            ids,
            [a.outcome.kind.value for a in batch],
            [a.lease for a in batch],
            [r.status_code for r in results],
            [a.outcome.retry_in for a in batch],
            [a.outcome.reason for a in batch],
        )
        changed = await conn.fetch(
            _APPLY_TO_ENDPOINTS,
            order,
            [endpoints[e][0] for e in order],
            disable_after,
            gone_reason,
            [endpoints[e][1] for e in order],
        )
    return Recorded(
        ours=frozenset(r["id"] for r in ours),
        auto_disabled={r["id"]: r["failing_since"] for r in changed if r["auto_disabled"]},
    )
