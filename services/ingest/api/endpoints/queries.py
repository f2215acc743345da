"""The SQL of the outgoing-webhook routes: endpoint changes, the attempt log, replays.

Re-queueing (retry, replay, re-enable) notifies the outbox channel, which the
notifier listens on: it looks for due deliveries at once instead of at its next
poll. A delivery in flight (leased by a notifier) is never touched here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from shared.db import Conn
from shared.outbox import wake_notifier

# How long a rotated-out secret still signs (seconds): 24 h, as Svix keeps it.
PREVIOUS_SECRET_TTL = 86_400.0
MANUALLY_DISABLED = "disabled via the API"

_ENDPOINT_COLUMNS = "id, url, events, enabled, description, disabled_reason, created_at"

_ENDPOINT = (
    "SELECT id, url, events, enabled, description, disabled_reason, created_at "
    "FROM webhook_endpoints "
)

# Enabling a disabled endpoint clears its reason and failure streak (else the next failure
# would disable it again at once); disabling an enabled one records why.
_UPDATE = f"""
UPDATE webhook_endpoints SET
    url = COALESCE($2, url),
    events = COALESCE($3::text[], events),
    description = COALESCE($4, description),
    enabled = COALESCE($5::boolean, enabled),
    disabled_reason = CASE
        WHEN $5::boolean IS NULL THEN disabled_reason
        WHEN $5::boolean THEN NULL
        WHEN enabled THEN '{MANUALLY_DISABLED}'
        ELSE disabled_reason END,
    failing_since = CASE WHEN $5::boolean AND NOT enabled THEN NULL ELSE failing_since END,
    updated_at = now()
WHERE id = $1
RETURNING {_ENDPOINT_COLUMNS}
"""  # noqa: S608 - constants only

_ROTATE = """
UPDATE webhook_endpoints
SET previous_secret = secret, secret = $2, updated_at = now(),
    previous_secret_expires_at = now() + $3::float8 * interval '1 second'
WHERE id = $1
RETURNING id, previous_secret_expires_at
"""

_DELIVERY_COLUMNS = (
    "id, endpoint_id, message_id, event_type, status, attempts, next_attempt_at, "
    "last_status_code, last_error, created_at, completed_at"
)

# A page of an endpoint's deliveries, newest first; $3: an optional status, $4: below this id.
_DELIVERIES = f"""
SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries
WHERE endpoint_id = $1 AND ($3::text IS NULL OR status = $3) AND ($4::bigint IS NULL OR id < $4)
ORDER BY id DESC
LIMIT $2
"""  # noqa: S608 - constants only

_ATTEMPTS = """
SELECT delivery_id, attempted_at, status_code, latency_ms, error, response_body
FROM webhook_attempts WHERE delivery_id = ANY ($1::bigint[])
ORDER BY delivery_id, id
"""

# A finished delivery starts a new retry schedule; a pending one (not in flight) is just
# made due now, keeping its schedule.
_RETRY = f"""
UPDATE webhook_deliveries
SET schedule_start = CASE WHEN status = 'pending' THEN schedule_start ELSE attempts END,
    status = 'pending', next_attempt_at = now(), locked_until = NULL, completed_at = NULL
WHERE id = $1 AND (status <> 'pending' OR locked_until IS NULL OR locked_until <= now())
RETURNING {_DELIVERY_COLUMNS}
"""  # noqa: S608 - constants only

_REPLAY = """
WITH replayed AS (
    UPDATE webhook_deliveries
    SET status = 'pending', next_attempt_at = now(), locked_until = NULL, completed_at = NULL,
        schedule_start = attempts
    WHERE endpoint_id = $1 AND status = 'failed' AND created_at >= $2
    RETURNING 1
)
SELECT count(*) FROM replayed
"""


async def update_endpoint(
    conn: Conn,
    endpoint_id: int,
    *,
    url: str | None,
    events: list[str] | None,
    description: str | None,
    enabled: bool | None,
) -> asyncpg.Record | None:
    """Apply the given changes (None: unchanged); None when there is no such endpoint."""
    async with conn.transaction():
        row: asyncpg.Record | None = await conn.fetchrow(
            _UPDATE, endpoint_id, url, events, description, enabled
        )
        if row is not None and enabled:
            await wake_notifier(conn)
    return row


async def delete_endpoint(conn: Conn, endpoint_id: int) -> bool:
    """Delete the endpoint with its deliveries and their attempts; False if none."""
    deleted = await conn.fetchval(
        "DELETE FROM webhook_endpoints WHERE id = $1 RETURNING id", endpoint_id
    )
    return deleted is not None


async def rotate_secret(conn: Conn, endpoint_id: int, secret: str) -> datetime | None:
    """Make `secret` current and keep the old one signing for PREVIOUS_SECRET_TTL;
    returns when the old one stops, or None when there is no such endpoint."""
    row = await conn.fetchrow(_ROTATE, endpoint_id, secret, PREVIOUS_SECRET_TTL)
    return None if row is None else row["previous_secret_expires_at"]


async def endpoint_exists(conn: Conn, endpoint_id: int) -> bool:
    found = await conn.fetchval("SELECT 1 FROM webhook_endpoints WHERE id = $1", endpoint_id)
    return found is not None


async def deliveries(
    conn: Conn, endpoint_id: int, *, limit: int, status: str | None, before_id: int | None
) -> list[asyncpg.Record]:
    """Up to `limit` of the endpoint's deliveries, newest first, below `before_id`."""
    return await conn.fetch(_DELIVERIES, endpoint_id, limit, status, before_id)


async def attempts(conn: Conn, delivery_ids: Sequence[int]) -> list[asyncpg.Record]:
    """Every attempt of these deliveries, oldest first per delivery."""
    return await conn.fetch(_ATTEMPTS, list(delivery_ids))


async def retry_delivery(conn: Conn, delivery_id: int) -> asyncpg.Record | str:
    """Make the delivery due now (same webhook-id). Returns its row, or "missing", or
    "in_flight" when a notifier holds it right now."""
    async with conn.transaction():
        row: asyncpg.Record | None = await conn.fetchrow(_RETRY, delivery_id)
        if row is not None:
            await wake_notifier(conn)
            return row
    exists = await conn.fetchval("SELECT 1 FROM webhook_deliveries WHERE id = $1", delivery_id)
    return "in_flight" if exists else "missing"


async def replay_failed(conn: Conn, endpoint_id: int, since: datetime) -> int:
    """Queue again every failed delivery of the endpoint created at or after `since`."""
    async with conn.transaction():
        count = int(await conn.fetchval(_REPLAY, endpoint_id, since))
        if count:
            await wake_notifier(conn)
    return count


async def create_endpoint(
    conn: Conn, *, url: str, events: list[str], description: str, enabled: bool, secret: str
) -> asyncpg.Record:
    """Store a new outgoing webhook endpoint."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "INSERT INTO webhook_endpoints (url, events, description, enabled, secret) "
        "VALUES ($1, $2, $3, $4, $5) "
        "RETURNING id, url, events, enabled, description, disabled_reason, created_at",
        url,
        events,
        description,
        enabled,
        secret,
    )
    assert row is not None
    return row


async def endpoints(conn: Conn) -> list[asyncpg.Record]:
    """Every outgoing webhook endpoint, oldest first, without secrets."""
    return await conn.fetch(_ENDPOINT + "ORDER BY id")


async def endpoint(conn: Conn, endpoint_id: int) -> asyncpg.Record | None:
    """One outgoing webhook endpoint, without its secret."""
    return await conn.fetchrow(_ENDPOINT + "WHERE id = $1", endpoint_id)
