"""Reads of Mailgun's bounces table: a page (offset or Mailgun's page cursors), one row.

The table is every subscriber whose status is `bounced`, newest bounce first
(ties by address); `code` and `error` are those of the bounce recorded last.
Index: subscribers_bounced (migration 0002).
"""

from __future__ import annotations

import asyncpg
from aiohttp import web

from services.ingest.api.mailgun.models import (
    DEFAULT_CODE,
    MailgunBounce,
    MailgunListQuery,
    MailgunPaging,
    rfc2822,
)
from shared.db import Conn

_KEY = "COALESCE(s.last_bounce_at, s.status_changed_at, s.created_at)"  # the sort key
_ROW = f"""
SELECT s.email, {_KEY} AS bounced_at, b.smtp_code, b.diagnostic_code
FROM subscribers s
LEFT JOIN LATERAL (
    SELECT e.smtp_code, e.diagnostic_code FROM events e
    WHERE e.email = s.email AND e.kind IN ('hard', 'soft') ORDER BY e.id DESC LIMIT 1
) b ON true
WHERE s.status = 'bounced'
"""  # noqa: S608 (constants)


def item(row: asyncpg.Record) -> MailgunBounce:
    return MailgunBounce(
        address=row["email"],
        code=row["smtp_code"] or DEFAULT_CODE,
        error=row["diagnostic_code"] or "",
        created_at=rfc2822(row["bounced_at"]),
    )


async def page(conn: Conn, query: MailgunListQuery) -> tuple[list[asyncpg.Record], int] | None:
    """A page of the table, newest first, and its size in all; None for an unknown pivot."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        total = int(
            await conn.fetchval("SELECT count(*) FROM subscribers WHERE status = 'bounced'")
        )
        page, pivot = query.page, query.address
        if page == "last":
            rows = await conn.fetch(_ROW + f"ORDER BY {_KEY}, s.email LIMIT $1", query.limit)
            return rows[::-1], total
        if page not in ("next", "previous") or pivot is None:
            offset = 0 if page else query.skip
            rows = await conn.fetch(
                _ROW + f"ORDER BY {_KEY} DESC, s.email DESC LIMIT $1 OFFSET $2",
                query.limit,
                offset,
            )
            return rows, total
        pivot_sql = f"SELECT {_KEY} FROM subscribers s WHERE email = $1"  # noqa: S608 (constants)
        at = await conn.fetchval(pivot_sql, pivot)
        if at is None:
            return None
        if page == "next":
            sql = f"AND ({_KEY}, s.email) < ($1, $2) ORDER BY {_KEY} DESC, s.email DESC LIMIT $3"
            return await conn.fetch(_ROW + sql, at, pivot, query.limit), total
        sql = f"AND ({_KEY}, s.email) > ($1, $2) ORDER BY {_KEY}, s.email LIMIT $3"
        rows = await conn.fetch(_ROW + sql, at, pivot, query.limit)
        return rows[::-1], total


def paging(
    request: web.Request, query: MailgunListQuery, items: list[MailgunBounce]
) -> MailgunPaging:
    url = request.url.with_query(None)
    limit = str(query.limit)
    after = items[-1].address if items else query.address
    before = items[0].address if items else query.address

    def link(page: str, address: str | None = None) -> str:
        params = {"page": page, "limit": limit}
        if address:
            params["address"] = address
        return str(url.with_query(params))

    return MailgunPaging(
        first=link("first"),
        last=link("last"),
        next=link("next", after),
        previous=link("previous", before),
    )


async def one(conn: Conn, address: str) -> asyncpg.Record | None:
    """The row of `address` (folded), if it is in the table."""
    return await conn.fetchrow(_ROW + "AND s.email = $1", address)


async def status_of(conn: Conn, address: str) -> str | None:
    """The status of `address` (folded); None when never seen."""
    status: str | None = await conn.fetchval(
        "SELECT status FROM subscribers WHERE email = $1", address
    )
    return status


async def bounced_after(conn: Conn, last: str, limit: int) -> list[str]:
    """Up to `limit` bounced addresses after `last`, by address (keyset batches)."""
    emails: list[str] = await conn.fetchval(
        "SELECT coalesce(array_agg(email), '{}') FROM (SELECT email FROM subscribers "
        "WHERE status = 'bounced' AND email > $1 ORDER BY email LIMIT $2) t",
        last,
        limit,
    )
    return emails
