"""The outbox relay: outbox rows -> one webhook delivery per subscribed endpoint.

Woken by NOTIFY on the outbox channel (the ledger notifies in the transaction
that writes the outbox; the management API when it re-queues deliveries, which
wakes the dispatcher too), with a poll every notifier_poll_interval seconds as a
fallback for lost notifications and a dropped listening connection. Replicas
take disjoint batches (FOR UPDATE SKIP LOCKED), and the unique (outbox,
endpoint) pair makes a repeated relay harmless.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg
import structlog

from services.notifier.resources import Resources
from services.notifier.wakeup import sleep_until_set
from shared.db_errors import DATABASE_ERRORS as DB_ERRORS
from shared.db_errors import is_unavailable
from shared.outbox import OUTBOX_CHANNEL
from shared.webhook_deliveries import records

log = structlog.get_logger(__name__)

# Outbox rows per relay transaction.
BATCH = 500
# Seconds allowed to open / close the listening connection.
LISTEN_CONNECT_TIMEOUT = 5.0


class Relay:
    """Runs until `stop()`; calls `on_queued` whenever it created deliveries."""

    def __init__(self, res: Resources, on_queued: Callable[[], None]) -> None:
        self._res = res
        self._on_queued = on_queued
        self._listener: asyncpg.Connection[Any] | None = None
        self._stopping = False
        self.wake = asyncio.Event()

    def stop(self) -> None:
        """Stop after the current batch."""
        self._stopping = True
        self._res.db.close()  # a wait for the database ends
        self.wake.set()

    async def run(self) -> None:
        """Relay on every notification or poll tick until stopped."""
        try:
            while not self._stopping:
                # while the database is away nothing is relayed; one prober watches for it
                if not await self._res.db.wait_until_up():
                    break
                await self._ensure_listening()
                # cleared before relaying: a NOTIFY during the batch triggers another pass
                self.wake.clear()
                await self.relay_pending()
                await sleep_until_set(self.wake, self._res.settings.notifier_poll_interval)
        finally:
            await self._close_listener()

    async def relay_pending(self) -> int:
        """Relay batches until the outbox has no unrelayed row; returns rows relayed."""
        total = 0
        while not self._stopping:
            try:
                async with self._res.pool.acquire() as conn:
                    relayed, queued = await records.relay_batch(conn, BATCH)
            except DB_ERRORS as exc:
                log.warning("outbox_relay_failed", error=str(exc))
                if is_unavailable(exc):
                    self._res.db.down(exc)
                break
            total += relayed
            if queued:
                self._on_queued()
            if relayed:
                log.debug("outbox_relayed", relayed=relayed, deliveries=queued)
            if relayed < BATCH:
                break
        return total

    async def _ensure_listening(self) -> None:
        """(Re)open the dedicated LISTEN connection; on failure we keep polling."""
        if self._listener is not None and not self._listener.is_closed():
            return
        self._listener = None
        try:
            conn = await asyncpg.connect(
                self._res.settings.database_url, timeout=LISTEN_CONNECT_TIMEOUT
            )
        except DB_ERRORS as exc:
            log.warning("outbox_listen_failed", error=str(exc))
            return
        try:
            await conn.add_listener(OUTBOX_CHANNEL, self._notified)
        except DB_ERRORS as exc:
            log.warning("outbox_listen_failed", error=str(exc))
            await conn.close(timeout=LISTEN_CONNECT_TIMEOUT)
            return
        self._listener = conn

    def _notified(self, *_args: object) -> None:
        # the management API notifies too when it re-queues deliveries (retry, replay,
        # re-enable): the dispatcher looks at once instead of at its next poll
        self.wake.set()
        self._on_queued()

    async def _close_listener(self) -> None:
        conn, self._listener = self._listener, None
        if conn is not None and not conn.is_closed():
            try:
                await conn.close(timeout=LISTEN_CONNECT_TIMEOUT)
            except DB_ERRORS:
                conn.terminate()
