"""Changes made by hand (the management API): retry one delivery, replay an endpoint's
failed ones, enable or disable an endpoint.

Re-queueing (retry, replay) notifies the outbox channel, so the notifier looks
for due deliveries at once. A delivery in flight (leased by a notifier) is never
touched: its holder records the outcome.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from shared.db import Conn
from shared.outbox import wake_notifier

MANUALLY_DISABLED = "disabled via the API"
ENDPOINT_COLUMNS = "id, url, events, enabled, description, disabled_reason, created_at"
DELIVERY_COLUMNS = (
    "id, endpoint_id, message_id, event_type, status, attempts, next_attempt_at, "
    "last_status_code, last_error, created_at, completed_at"
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
RETURNING {ENDPOINT_COLUMNS}
"""  # noqa: S608 - constants only

# A finished delivery starts a new retry schedule; a pending one (not in flight) is just
# made due now, keeping its schedule.
_RETRY = f"""
UPDATE webhook_deliveries
SET schedule_start = CASE WHEN status = 'pending' THEN schedule_start ELSE attempts END,
    status = 'pending', next_attempt_at = now(), locked_until = NULL, completed_at = NULL
WHERE id = $1 AND (status <> 'pending' OR locked_until IS NULL OR locked_until <= now())
RETURNING {DELIVERY_COLUMNS}
"""  # noqa: S608 - constants only

# Failed deliveries of an endpoint created in [$2, $3) ($3 NULL: no end), oldest first, at
# most $4 of them (NULL: all); the outer status check holds against a concurrent change.
_REPLAY_SET = """
    WHERE endpoint_id = $1 AND status = 'failed' AND created_at >= $2
      AND ($3::timestamptz IS NULL OR created_at < $3)
"""
_REPLAY = f"""
WITH replayed AS (
    UPDATE webhook_deliveries
    SET status = 'pending', next_attempt_at = now(), locked_until = NULL, completed_at = NULL,
        schedule_start = attempts
    WHERE status = 'failed' AND id IN (
        SELECT id FROM webhook_deliveries {_REPLAY_SET} ORDER BY id LIMIT $4::bigint
    )
    RETURNING 1
)
SELECT count(*) FROM replayed
"""  # noqa: S608 - constants only
_REPLAYABLE = f"""
SELECT (SELECT count(*) FROM webhook_deliveries {_REPLAY_SET})
WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = $1)
"""  # noqa: S608 - constants only


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


async def replay_failed(
    conn: Conn,
    endpoint_id: int,
    since: datetime,
    until: datetime | None = None,
    limit: int | None = None,
) -> int:
    """Queue again the failed deliveries of the endpoint created at or after `since` (and
    before `until`), oldest first, at most `limit` of them; how many were queued."""
    async with conn.transaction():
        count = int(await conn.fetchval(_REPLAY, endpoint_id, since, until, limit))
        if count:
            await wake_notifier(conn)
    return count


async def replayable(
    conn: Conn, endpoint_id: int, since: datetime, until: datetime | None = None
) -> int | None:
    """How many deliveries `replay_failed` would queue again; None for no such endpoint."""
    found: int | None = await conn.fetchval(_REPLAYABLE, endpoint_id, since, until)
    return found
