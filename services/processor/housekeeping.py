"""The automatic retention pass: once a minute, one replica at a time.

Every processor replica runs this loop; a session advisory lock lets exactly one of
them prune at a time (the others skip the round). A failure is logged and retried
next round; the lock dies with its connection, so a killed replica never blocks the
others. The run is recorded in `maintenance` for `bounceflow status`.
"""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
import structlog

from shared.retention import prune
from shared.settings import Settings

log = structlog.get_logger(__name__)

LOCK_ID = 0x7072756E65  # "prune"


async def prune_once(pool: asyncpg.Pool, settings: Settings) -> bool:
    """Prune if no other replica is pruning; whether this one did."""
    async with pool.acquire() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_ID):
            return False
        try:
            report = await prune(conn, settings.retention, settings.soft_bounce_threshold)
        finally:
            # a connection broken mid-prune (or cancelled at shutdown) is closed by the
            # pool, which ends its session and so the lock
            with contextlib.suppress(OSError, asyncpg.InterfaceError, asyncpg.PostgresError):
                await conn.execute("SELECT pg_advisory_unlock($1)", LOCK_ID)
    log.info("pruned", **report.counts)
    return True


async def housekeeping(pool: asyncpg.Pool, settings: Settings, stop: asyncio.Event) -> None:
    """Run `prune_once` every `prune_interval` seconds until `stop` is set."""
    interval = settings.prune_interval
    if interval <= 0:
        return
    while not stop.is_set():
        try:
            await prune_once(pool, settings)
        except (OSError, asyncpg.InterfaceError, asyncpg.PostgresError) as exc:
            log.warning("prune_failed", error=repr(exc)[:200])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
