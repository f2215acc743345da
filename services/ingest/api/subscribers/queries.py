"""The SQL of the subscriber routes (reads; status changes go through the ledger)."""

from __future__ import annotations

import asyncpg

from shared.db import Conn

_SUBSCRIBER = (
    "SELECT email, name, status, bounce_count, soft_streak, last_bounce_at, status_changed_at "
    "FROM subscribers "
)


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
