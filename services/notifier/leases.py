"""The leases this process holds, renewed while their requests are in flight.

A lease (`locked_until`) proves a claim is ours. It is renewed every third of
its length until the attempt is recorded, so a request that runs long or a
record that waits on a slow database never lets the lease lapse and another
replica send the same delivery meanwhile; only a process that stops renewing
(crashed, frozen) loses its claims, and they come back when the lease runs out.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import asyncpg
import structlog

from services.notifier.wakeup import sleep_until_set
from shared.db_errors import DATABASE_ERRORS as DB_ERRORS
from shared.webhook_deliveries import claims

log = structlog.get_logger(__name__)


class LeaseBook:
    """Delivery id -> our current lease. Taking leases and renewing them are
    serialised, so a lease taken for recording is never one a renewal is replacing."""

    def __init__(self, pool: asyncpg.Pool, lease_seconds: float) -> None:
        self._pool = pool
        self.lease_seconds = lease_seconds
        self._leases: dict[int, datetime] = {}
        self._lock = asyncio.Lock()
        self._stopping = asyncio.Event()

    def hold(self, delivery_id: int, lease: datetime) -> None:
        self._leases[delivery_id] = lease

    def forget(self, delivery_id: int) -> None:
        """Stop renewing this lease without giving it back: it runs out."""
        self._leases.pop(delivery_id, None)

    async def take_many(self, delivery_ids: list[int]) -> dict[int, datetime]:
        """Stop renewing these leases and return them, current (to record the attempts)."""
        async with self._lock:
            return {i: self._leases.pop(i) for i in delivery_ids if i in self._leases}

    async def take_all(self) -> list[tuple[int, datetime]]:
        async with self._lock:
            taken = list(self._leases.items())
            self._leases.clear()
            return taken

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Renew every third of a lease until stopped."""
        while not await sleep_until_set(self._stopping, self.lease_seconds / 3):
            await self.renew()

    async def renew(self) -> None:
        async with self._lock:
            held = list(self._leases.items())
            if not held:
                return
            try:
                async with self._pool.acquire() as conn:
                    renewed = await claims.renew(conn, held, self.lease_seconds)
            except DB_ERRORS as exc:
                log.warning("lease_renewal_failed", error=str(exc), leases=len(held))
                return
            for delivery_id, lease in renewed.items():
                if delivery_id in self._leases:
                    self._leases[delivery_id] = lease
            lost = len(held) - len(renewed)
            if lost:
                # finished elsewhere (an API retry cannot touch a leased row) or taken over
                # after our lease ran out: the recording will report it
                log.warning("lease_renewal_lost", leases=lost)
