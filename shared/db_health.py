"""Whether the database is serving, as this process last saw it, and waiting for it to return.

Any task whose database work failed with an "unavailable" error (shared.db_errors)
calls `down(exc)`; from then on every task that needs the database waits in
`wait_until_up()` instead of hammering it, and one prober tries a fresh
connection with backoff (`delay` doubling up to `max_delay` seconds). When the
probe answers, the pool's connections are expired (those opened before the
outage are dead) and the waiters resume. `close()` (shutdown) releases the
waiters with False.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import asyncpg
import structlog

from shared.db_errors import is_unavailable

log = structlog.get_logger(__name__)

# Seconds a probe may take to connect and answer `SELECT 1`.
PROBE_TIMEOUT = 3.0
# Seconds before the first probe after an outage is seen.
FIRST_DELAY = 0.1


class DatabaseHealth:
    """Up/down state of the database with one background prober while it is down."""

    def __init__(self, dsn: str, pool: asyncpg.Pool | None = None, max_delay: float = 5.0) -> None:
        self._dsn = dsn
        self._pool = pool
        self._max_delay = max_delay
        self._up = asyncio.Event()
        self._up.set()
        self._down = asyncio.Event()
        self._closed = asyncio.Event()
        self._prober: asyncio.Task[None] | None = None
        self._down_since = 0.0
        self.outages = 0

    @property
    def available(self) -> bool:
        return self._up.is_set()

    def down(self, exc: BaseException) -> None:
        """The database did not serve an operation; start probing unless already."""
        if self._up.is_set():
            self._up.clear()
            self._down.set()
            self._down_since = time.monotonic()
            self.outages += 1
            log.warning("database_unavailable", error=repr(exc)[:300])
        if self._closed.is_set():
            return  # shutting down: waiters get False, nobody probes
        if self._prober is None or self._prober.done():
            self._prober = asyncio.create_task(self._probe_until_up(), name="database-probe")

    async def wait_until_up(self) -> bool:
        """True once the database serves (at once when it does); False after `close()`."""
        if self._up.is_set():
            return True
        if self._closed.is_set():
            return False
        up = asyncio.ensure_future(self._up.wait())
        closed = asyncio.ensure_future(self._closed.wait())
        try:
            await asyncio.wait([up, closed], return_when=asyncio.FIRST_COMPLETED)
        finally:
            up.cancel()
            closed.cancel()
        return self._up.is_set()

    async def wait_until_down(self) -> None:
        """Return once an outage is seen (at once during one)."""
        await self._down.wait()

    async def check(self) -> bool:
        """Readiness: the database serves now. While it is thought up, one `SELECT 1` on the
        pool confirms it (an idle service notices an outage here too)."""
        if not self.available or self._pool is None:
            return self.available
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                await self._pool.fetchval("SELECT 1")
        except Exception as exc:  # any failure means "not ready"
            if is_unavailable(exc):
                self.down(exc)
            return False
        return True

    async def probe(self) -> bool:
        """One try: a fresh connection answers `SELECT 1` within PROBE_TIMEOUT."""
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                conn = await asyncpg.connect(self._dsn, timeout=PROBE_TIMEOUT)
                try:
                    return bool(await conn.fetchval("SELECT 1") == 1)
                finally:
                    await conn.close(timeout=PROBE_TIMEOUT)
        except Exception as exc:  # any failure means "not yet"; a bug is logged, not fatal
            if not is_unavailable(exc) and not isinstance(exc, asyncpg.PostgresError):
                log.warning("database_probe_failed", error=repr(exc)[:300])
            return False

    async def _probe_until_up(self) -> None:
        delay = FIRST_DELAY
        while not self._closed.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._closed.wait()
                return  # closed while waiting
            if await self.probe():
                break
            delay = min(self._max_delay, delay * 2)
        else:
            return
        if self._pool is not None:
            # connections opened before the outage are dead; replace them on next use
            await self._pool.expire_connections()
        self._down.clear()
        self._up.set()
        log.info("database_available", down_s=round(time.monotonic() - self._down_since, 1))

    def close(self) -> None:
        """Release every waiter (with False) and stop probing (shutdown)."""
        self._closed.set()
