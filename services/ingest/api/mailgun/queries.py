"""Reads and clears of Mailgun's bounces table, per sending domain (README "Sending domains").

The table of domain D is every subscriber whose status is `bounced` and whom D holds
(`bounceflow_domain_holds`, migration 0006): a hard or soft bounce sent from D, or
from no named domain (a global bounce), since the address's latest manual change and
after D's last clear of it. Newest bounce first (ties by address); `code` and `error`
are those of D's (or a global) bounce recorded last.
"""

from __future__ import annotations

from datetime import datetime

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
# $1 is the domain in every query below
_HELD = (
    "s.status = 'bounced' AND bounceflow_domain_holds(s.email, $1, "
    "COALESCE(s.anchor_at, '-infinity'), COALESCE(s.status_changed_at, s.created_at))"
)
_ROW = f"""
SELECT s.email, {_KEY} AS bounced_at, b.smtp_code, b.diagnostic_code
FROM subscribers s
LEFT JOIN LATERAL (
    SELECT e.smtp_code, e.diagnostic_code FROM events e
    WHERE e.email = s.email AND e.kind IN ('hard', 'soft')
      AND (e.sending_domain = $1 OR e.sending_domain IS NULL)
    ORDER BY e.id DESC LIMIT 1
) b ON true
WHERE {_HELD}
"""  # noqa: S608 (constants)
_COUNT = f"SELECT count(*) FROM subscribers s WHERE {_HELD}"  # noqa: S608 (constants)
# another named domain's bounce still holds the address (a global one does not: any
# domain's DELETE clears it, as when bounceflow had no domains)
_HELD_ELSEWHERE = """
SELECT e.email FROM events e
JOIN subscribers s ON s.email = e.email
LEFT JOIN domain_bounce_clears c ON c.email = e.email AND c.sending_domain = e.sending_domain
WHERE e.email = ANY($2::text[]) AND e.kind IN ('hard', 'soft') AND e.sending_domain <> $1
  AND e.occurred_at > COALESCE(s.anchor_at, '-infinity')
  AND e.occurred_at > COALESCE(c.cleared_at, '-infinity')
GROUP BY e.email
"""
_CLEAR = """
INSERT INTO domain_bounce_clears (email, sending_domain, cleared_at)
SELECT unnest($2::text[]), $1, $3
ON CONFLICT (email, sending_domain) DO UPDATE SET cleared_at = EXCLUDED.cleared_at
"""


def item(row: asyncpg.Record) -> MailgunBounce:
    return MailgunBounce(
        address=row["email"],
        code=row["smtp_code"] or DEFAULT_CODE,
        error=row["diagnostic_code"] or "",
        created_at=rfc2822(row["bounced_at"]),
    )


async def page(
    conn: Conn, domain: str, query: MailgunListQuery
) -> tuple[list[asyncpg.Record], int] | None:
    """A page of `domain`'s table, newest first, and its size in all; None for an unknown
    pivot."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        total = int(await conn.fetchval(_COUNT, domain))
        page, pivot = query.page, query.address
        if page == "last":
            rows = await conn.fetch(
                _ROW + f"ORDER BY {_KEY}, s.email LIMIT $2", domain, query.limit
            )
            return rows[::-1], total
        if page not in ("next", "previous") or pivot is None:
            offset = 0 if page else query.skip
            rows = await conn.fetch(
                _ROW + f"ORDER BY {_KEY} DESC, s.email DESC LIMIT $2 OFFSET $3",
                domain,
                query.limit,
                offset,
            )
            return rows, total
        pivot_sql = f"SELECT {_KEY} FROM subscribers s WHERE email = $1"  # noqa: S608 (constants)
        at = await conn.fetchval(pivot_sql, pivot)
        if at is None:
            return None
        if page == "next":
            sql = f"AND ({_KEY}, s.email) < ($2, $3) ORDER BY {_KEY} DESC, s.email DESC LIMIT $4"
            return await conn.fetch(_ROW + sql, domain, at, pivot, query.limit), total
        sql = f"AND ({_KEY}, s.email) > ($2, $3) ORDER BY {_KEY}, s.email LIMIT $4"
        rows = await conn.fetch(_ROW + sql, domain, at, pivot, query.limit)
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


async def one(conn: Conn, domain: str, address: str) -> asyncpg.Record | None:
    """The row of `address` (folded), if it is in `domain`'s table."""
    return await conn.fetchrow(_ROW + "AND s.email = $2", domain, address)


async def held_after(conn: Conn, domain: str, last: str, limit: int) -> list[str]:
    """Up to `limit` addresses of `domain`'s table after `last`, by address (keyset)."""
    emails: list[str] = await conn.fetchval(
        "SELECT coalesce(array_agg(email), '{}') FROM (SELECT s.email FROM subscribers s "  # noqa: S608
        f"WHERE {_HELD} AND s.email > $2 ORDER BY s.email LIMIT $3) t",
        domain,
        last,
        limit,
    )
    return emails


async def clear(conn: Conn, domain: str, emails: list[str], now: datetime) -> list[str]:
    """Clear `domain`'s bounces of `emails` (call in a transaction); the addresses no other
    named domain still holds, which the caller reactivates."""
    await conn.execute(_CLEAR, domain, emails, now)
    held = {r["email"] for r in await conn.fetch(_HELD_ELSEWHERE, domain, emails)}
    return [e for e in emails if e not in held]
