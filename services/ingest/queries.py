"""The management API's reads (and its small writes), as named async functions.

Every policy change goes through `shared.ledger.apply_events`; nothing here
touches a subscriber's status.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from shared.db import Conn

# the bounce log: hard, soft and complaint events (deliveries and manual changes are not bounces)
_BOUNCE_FILTER = """
WHERE e.kind IN ('hard', 'soft', 'complaint')
  AND ($1::text IS NULL OR e.email = lower($1))
  AND ($2::text IS NULL OR e.kind = $2)
  AND ($3::text IS NULL OR e.source = $3)
"""

_BOUNCES = (
    """
SELECT e.id, e.email, e.kind AS bounce_type, e.bounce_subtype, e.source, e.campaign_name,
       COALESCE(e.subscriber_name, s.name) AS subscriber_name,
       e.occurred_at, e.diagnostic_code
FROM events e LEFT JOIN subscribers s ON s.email = e.email
"""
    + _BOUNCE_FILTER
    + "ORDER BY e.id DESC LIMIT $4 OFFSET $5"
)

_COUNT_BOUNCES = "SELECT count(*) FROM events e" + _BOUNCE_FILTER  # noqa: S608 (constants)

_SUBSCRIBER = (
    "SELECT email, name, status, bounce_count, soft_streak, last_bounce_at, status_changed_at "
    "FROM subscribers "
)

_ENDPOINT = (
    "SELECT id, url, events, enabled, description, disabled_reason, created_at "
    "FROM webhook_endpoints "
)


async def bounces(
    conn: Conn,
    *,
    email: str | None,
    kind: str | None,
    source: str | None,
    limit: int,
    offset: int,
) -> tuple[list[asyncpg.Record], int]:
    """A page of the bounce log, newest first, and how many rows match in all."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        rows = await conn.fetch(_BOUNCES, email, kind, source, limit, offset)
        total = await conn.fetchval(_COUNT_BOUNCES, email, kind, source)
    return rows, int(total)


async def subscriber(conn: Conn, email: str) -> asyncpg.Record | None:
    """One subscriber by (lower-cased) address."""
    return await conn.fetchrow(
        _SUBSCRIBER + "WHERE email = lower($1)",
        email,
    )


async def subscribers(
    conn: Conn, *, status: str | None, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    """A page of subscribers (optionally of one status) by address, and the total."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        rows = await conn.fetch(
            _SUBSCRIBER + "WHERE $1::text IS NULL OR status = $1 ORDER BY email LIMIT $2 OFFSET $3",
            status,
            limit,
            offset,
        )
        total = await conn.fetchval(
            "SELECT count(*) FROM subscribers WHERE $1::text IS NULL OR status = $1", status
        )
    return rows, int(total)


async def claim_idempotency_key(conn: Conn, api_key_id: int, key: str) -> dict[str, Any] | None:
    """Claim `key` for this request, or return the response stored under it.

    Call inside the transaction that does the work. A placeholder row is
    inserted first: a concurrent request with the same key blocks on it until
    this transaction ends, then finds the stored response (or, after a
    rollback, claims the key itself). None means the key is now ours; `{}`
    means the row vanished meanwhile (a cleanup ran).
    """
    claimed = await conn.fetchval(
        "INSERT INTO idempotency_keys (api_key_id, key, response) VALUES ($1, $2, 'null') "
        "ON CONFLICT (api_key_id, key) DO NOTHING RETURNING true",
        api_key_id,
        key,
    )
    if claimed:
        return None
    stored: dict[str, Any] | None = await conn.fetchval(
        "SELECT response FROM idempotency_keys WHERE api_key_id = $1 AND key = $2",
        api_key_id,
        key,
    )
    return stored if stored is not None else {}


async def store_idempotent_response(
    conn: Conn, api_key_id: int, key: str, response: dict[str, Any]
) -> None:
    """Fill in the response of a key claimed by `claim_idempotency_key`."""
    await conn.execute(
        "UPDATE idempotency_keys SET response = $3 WHERE api_key_id = $1 AND key = $2",
        api_key_id,
        key,
        response,
    )


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
