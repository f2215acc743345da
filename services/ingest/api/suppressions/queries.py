"""The SQL of the suppression routes: one address, many, and the whole list in batches."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import asyncpg

from shared.db import Conn

# the state and, from the events since the last manual change, what caused it
_SUPPRESSED = """
SELECT s.email, s.status, COALESCE(s.status_changed_at, s.last_bounce_at) AS suppressed_at,
       r.hard, r.soft, r.complaint
FROM subscribers s
LEFT JOIN LATERAL (
    SELECT bool_or(e.kind = 'hard') AS hard, bool_or(e.kind = 'soft') AS soft,
           bool_or(e.kind = 'complaint') AS complaint
    FROM events e
    WHERE e.email = s.email AND e.occurred_at >= COALESCE(s.anchor_at, '-infinity')
) r ON true
"""


async def suppression(conn: Conn, email: str) -> asyncpg.Record | None:
    """The state of one (lower-cased) address and what caused it; None if never seen."""
    return await conn.fetchrow(_SUPPRESSED + "WHERE s.email = $1", email)


async def suppressed_among(conn: Conn, emails: Sequence[str]) -> list[asyncpg.Record]:
    """The suppressed rows among `emails` (lower-cased): one query, one index probe each."""
    return await conn.fetch(
        _SUPPRESSED + "WHERE s.email = ANY($1::text[]) AND s.status <> 'active' ORDER BY s.email",
        list(emails),
    )


async def all_suppressed(conn: Conn, batch: int) -> AsyncIterator[list[asyncpg.Record]]:
    """Every suppressed row by address, `batch` rows at a time, from one read-only snapshot."""
    sql = _SUPPRESSED + "WHERE s.status <> 'active' ORDER BY s.email"  # subscribers_suppressed
    async with conn.transaction(readonly=True):
        cursor = await conn.cursor(sql)
        while rows := await cursor.fetch(batch):
            yield rows
