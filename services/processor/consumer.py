"""Consumes the raw queue in batches: up to `batch_size` raw events or `batch_wait_ms`.

Up to two batches are applied at once per processor, so one batch's parsing
overlaps the other's database round trips; acks are settled in delivery order
by an AckTracker. Run more replicas to scale further.

While the database is away the consumer is cancelled (no new deliveries; the
ones held stay unacked, so no delivery count is spent) and re-registered once
it answers again; `checks()` is the processor's readiness.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import structlog
from aio_pika.abc import AbstractIncomingMessage

from services.processor.acks import AckTracker
from services.processor.handlers import handle_batch
from services.processor.resources import Resources
from shared import raw_bundle

log = structlog.get_logger(__name__)

BATCHES_IN_FLIGHT = 2


def _events_in(message: AbstractIncomingMessage) -> int:
    return raw_bundle.events_in(message.content_type, message.headers)


class BatchConsumer:
    """Buffers deliveries and hands them to `handle_batch` in batches."""

    def __init__(self, res: Resources) -> None:
        self._res = res
        self._buffer: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        self._acks = AckTracker()
        self._tag: str | None = None
        self._consuming = asyncio.Lock()  # consume/cancel never interleave
        self._stopping = False
        self.applied = 0

    async def checks(self) -> dict[str, bool]:
        """Readiness: consuming, the database serving, the broker connection open."""
        return {
            "consumer": self._tag is not None,
            "database": await self._res.db.check(),
            # a robust connection clears `connected` while it reconnects after a broker restart
            "broker": self._res.connection.connected.is_set() and not self._res.channel.is_closed,
        }

    async def _consume(self) -> None:
        async with self._consuming:
            if self._tag is None and not self._stopping:
                queue = self._res.broker.raw_queue
                self._tag = await queue.consume(self._on_message)
                log.info("processor_consuming", queue=queue.name)

    async def _cancel(self) -> None:
        async with self._consuming:
            tag, self._tag = self._tag, None
            if tag is not None:
                # deliveries already here stay unacked and are still applied
                with contextlib.suppress(Exception):
                    await self._res.broker.raw_queue.cancel(tag)

    async def _pause_while_database_away(self) -> None:
        """Cancel the consumer during each database outage; consume again after it."""
        db = self._res.db
        while True:
            await db.wait_until_down()
            await self._cancel()
            log.warning("processor_paused", reason="database unavailable", held=len(self._acks))
            if not await db.wait_until_up():
                return
            await self._consume()
            log.info("processor_resumed")

    async def _stop_when_set(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._stopping = True
        # stop new deliveries; what is already buffered is still applied
        await self._cancel()
        self._res.db.close()  # batches waiting for the database are returned

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        self._acks.delivered(message)
        await self._buffer.put(message)

    async def _next_batch(self, stop: asyncio.Event) -> list[AbstractIncomingMessage]:
        size = self._res.settings.processor_batch_size
        wait = self._res.settings.processor_batch_wait_ms / 1000
        batch: list[AbstractIncomingMessage] = []
        while not batch:
            if stop.is_set() and self._buffer.empty():
                return batch
            with contextlib.suppress(TimeoutError):
                batch.append(await asyncio.wait_for(self._buffer.get(), timeout=0.2))
        deadline = time.monotonic() + wait
        events = _events_in(batch[0])
        while events < size:
            try:
                message = self._buffer.get_nowait()
            except asyncio.QueueEmpty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    message = await asyncio.wait_for(self._buffer.get(), timeout=remaining)
                except TimeoutError:
                    break
            batch.append(message)
            events += _events_in(message)
        return batch

    async def _apply(self, batch: list[AbstractIncomingMessage], slots: asyncio.Semaphore) -> None:
        try:
            self.applied += await handle_batch(self._res, self._acks, batch)
        finally:
            slots.release()

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set, then finish what was delivered and return."""
        await self._consume()
        watchers = [
            asyncio.create_task(self._pause_while_database_away(), name="processor-pause"),
            asyncio.create_task(self._stop_when_set(stop), name="processor-stop"),
        ]
        slots = asyncio.Semaphore(BATCHES_IN_FLIGHT)
        running: set[asyncio.Task[None]] = set()
        try:
            while True:
                await slots.acquire()
                batch = await self._next_batch(stop)
                if not batch:
                    slots.release()
                    break
                running.add(asyncio.create_task(self._apply(batch, slots)))
                # a failed batch task (a bug) stops the processor; its messages are redelivered
                for done in [t for t in running if t.done()]:
                    running.discard(done)
                    done.result()
        finally:
            self._stopping = True
            self._res.db.close()
            if running:
                await asyncio.gather(*running)
            await self._cancel()
            for watcher in watchers:
                watcher.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)
        log.info("processor_stopped", applied=self.applied)
