"""The SQL of the bounce log and of manual reports' idempotency keys.

Every policy change goes through `shared.ledger.apply_events`; nothing here
touches a subscriber's status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from shared.db import Conn

# the bounce log: hard, soft and complaint events (deliveries and manual changes are not bounces)
_BOUNCES = """
SELECT e.id, e.email, e.kind AS bounce_type, e.bounce_subtype, e.source, e.campaign_name,
       COALESCE(e.subscriber_name, s.name) AS subscriber_name,
       e.occurred_at, e.diagnostic_code
FROM events e LEFT JOIN subscribers s ON s.email = e.email
"""


@dataclass(frozen=True, slots=True)
class BounceFilter:
    """The bounce log's filters; None means "any"."""

    email: str | None = None
    kind: str | None = None
    source: str | None = None
    domain: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    @property
    def countable(self) -> bool:
        """Whether bounce_log_counts (by kind and source) can answer the total."""
        return (
            self.email is None and self.domain is None and self.since is None and self.until is None
        )

    def where(self) -> tuple[str, list[object]]:
        """A WHERE clause naming only the filters given (each plan fits its query)."""
        clauses = ["e.kind IN ('hard', 'soft', 'complaint')"]
        args: list[object] = []
        for column, value in (
            ("e.email = lower(${})", self.email),
            ("e.kind = ${}", self.kind),
            ("e.source = ${}", self.source),
            ("e.sending_domain = ${}", self.domain),
            ("e.occurred_at >= ${}", self.since),
            ("e.occurred_at < ${}", self.until),
        ):
            if value is not None:
                args.append(value)
                clauses.append(column.format(len(args)))
        return "WHERE " + " AND ".join(clauses) + " ", args


# the total of an unfiltered (or kind/source-filtered) log, from the trigger-kept deltas
_COUNTED = """
SELECT COALESCE(sum(n), 0) FROM bounce_log_counts
WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR source = $2)
"""
_COMPACT = """
WITH gone AS (DELETE FROM bounce_log_counts RETURNING kind, source, n)
INSERT INTO bounce_log_counts (kind, source, n)
SELECT kind, source, sum(n) FROM gone GROUP BY kind, source
"""
_COMPACT_ABOVE = 1_000  # delta rows
_COMPACT_LOCK = 0x626F756E6365 + 1  # next to the migrator's advisory lock ("bounce")


async def bounces(
    conn: Conn, where: BounceFilter, *, limit: int, offset: int, before_id: int | None
) -> tuple[list[asyncpg.Record], int]:
    """A page of the bounce log, newest first, and how many rows match in all.

    `before_id` (a keyset cursor) starts the page below that id, so a deep page
    costs an index range scan, not a walk over every row above it.
    """
    clause, args = where.where()
    if where.countable:
        await _compact_counts(conn)
        count_sql = _COUNTED
        count_args: list[object] = [where.kind, where.source]
    else:
        count_sql = "SELECT count(*) FROM events e " + clause  # noqa: S608 (built from constants)
        count_args = args
    if before_id is not None:
        args_page = [*args, before_id]
        clause += f"AND e.id < ${len(args_page)} "
    else:
        args_page = list(args)
    args_page += [limit, offset]
    page_sql = (
        _BOUNCES
        + clause
        + f"ORDER BY e.id DESC LIMIT ${len(args_page) - 1} OFFSET ${len(args_page)}"
    )
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        rows = await conn.fetch(page_sql, *args_page)
        total = await conn.fetchval(count_sql, *count_args)
    return rows, int(total)


async def _compact_counts(conn: Conn) -> None:
    """Sum bounce_log_counts' deltas into one row per (kind, source) once they pile up;
    one compactor at a time (the others skip), so they never deadlock."""
    if await conn.fetchval("SELECT count(*) > $1 FROM bounce_log_counts", _COMPACT_ABOVE):
        async with conn.transaction():
            if await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", _COMPACT_LOCK):
                await conn.execute(_COMPACT)


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
