"""asyncpg pool factory; the pool is created in a service's lifespan and passed in."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, TypeAlias

import asyncpg
import orjson
import structlog
from asyncpg.pool import PoolConnectionProxy

from shared.db_errors import is_unavailable

log = structlog.get_logger(__name__)

# What `pool.acquire()` yields and what `asyncpg.connect()` returns: both work everywhere.
Conn: TypeAlias = "asyncpg.Connection[Any] | PoolConnectionProxy[Any]"


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb columns go in and out as Python objects, encoded by orjson.
    await conn.set_type_codec(
        "jsonb",
        encoder=lambda v: orjson.dumps(v).decode(),
        decoder=orjson.loads,
        schema="pg_catalog",
    )


async def create_pool(dsn: str, size: int = 10, min_size: int = 1) -> asyncpg.Pool:
    """A pool whose connections decode jsonb; callers close it. With `min_size=0` it
    connects on first use only (nothing is checked at creation)."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=size,
        init=_init_connection,
        command_timeout=60,
        server_settings={
            # short OLTP statements: JIT compilation (on by default) only adds 100-300 ms
            # whenever a plan's estimated cost crosses jit_above_cost
            "jit": "off",
            # every statement of ours has an index to follow. A plan chosen while a table
            # was small (or never analysed: autovacuum may be off) stays cached per
            # prepared statement, and a nested loop over a sequential scan of `events`
            # turned an apply into a scan of the whole table (17 s batches at 170k rows).
            # Off, a sequential scan is taken only where no index can serve at all.
            "enable_seqscan": "off",
            # and each statement is planned for the table as it is now: a generic plan
            # cached by a long-lived connection while `events` was nearly empty kept
            # choosing the index a small table favours, and applies slowed down as the
            # table grew (5,544 -> 2,624 events/s over three runs of bench/history.py's
            # load on a fresh database; a new connection: 8,244). Planning costs far less
            # than the batch statements it plans.
            "plan_cache_mode": "force_custom_plan",
        },
    )
    assert pool is not None
    return pool


class StoppedWaiting(Exception):
    """Stop was requested while waiting for the database to come up."""


async def create_pool_waiting(
    dsn: str, size: int, stop: asyncio.Event | None = None, max_delay: float = 5.0
) -> asyncpg.Pool:
    """`create_pool`, waiting while the database is away (backoff from 0.1 s up to
    `max_delay` s) instead of failing: a service started during an outage waits for it.
    Raises StoppedWaiting when `stop` is set first; any other error at once."""
    delay = 0.1
    while True:
        try:
            return await create_pool(dsn, size)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            log.warning("database_unavailable_at_start", error=repr(exc)[:300], retry_in=delay)
        if stop is not None and stop.is_set():
            raise StoppedWaiting
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await (stop or asyncio.Event()).wait()
        if stop is not None and stop.is_set():
            raise StoppedWaiting
        delay = min(max_delay, delay * 2)


async def create_pool_even_if_away(dsn: str, size: int) -> asyncpg.Pool:
    """`create_pool`; while the database is away, a pool that connects on first use instead,
    so a service with work that needs no database (ingest's webhooks) starts anyway. Any
    other error (a wrong password, no such database) raises at once."""
    try:
        return await create_pool(dsn, size)
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        log.warning("database_unavailable_at_start", error=repr(exc)[:300])
        return await create_pool(dsn, size, min_size=0)
