"""The SQL of the outgoing-webhook routes: endpoints, secrets, the attempt log.

What changes a delivery's or an endpoint's delivery state (retry, replay, enable,
disable) is shared.webhook_deliveries.manual, re-exported here for the routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from shared.db import Conn
from shared.webhook_deliveries.manual import (
    DELIVERY_COLUMNS,
    replay_failed,
    retry_delivery,
    update_endpoint,
)

# How long a rotated-out secret still signs (seconds): 24 h, as Svix keeps it.
PREVIOUS_SECRET_TTL = 86_400.0


_ENDPOINT = (
    "SELECT id, url, events, enabled, description, disabled_reason, created_at "
    "FROM webhook_endpoints "
)

_ROTATE = """
UPDATE webhook_endpoints
SET previous_secret = secret, secret = $2, updated_at = now(),
    previous_secret_expires_at = now() + $3::float8 * interval '1 second'
WHERE id = $1
RETURNING id, previous_secret_expires_at
"""


# A page of an endpoint's deliveries, newest first; $3: an optional status, $4: below this id.
_DELIVERIES = f"""
SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries
WHERE endpoint_id = $1 AND ($3::text IS NULL OR status = $3) AND ($4::bigint IS NULL OR id < $4)
ORDER BY id DESC
LIMIT $2
"""  # noqa: S608 - constants only

_ATTEMPTS = """
SELECT delivery_id, attempted_at, status_code, latency_ms, error, response_body
FROM webhook_attempts WHERE delivery_id = ANY ($1::bigint[])
ORDER BY delivery_id, id
"""


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


__all__ = [
    "PREVIOUS_SECRET_TTL",
    "attempts",
    "create_endpoint",
    "delete_endpoint",
    "deliveries",
    "endpoint",
    "endpoint_exists",
    "endpoints",
    "replay_failed",
    "retry_delivery",
    "rotate_secret",
    "update_endpoint",
]
