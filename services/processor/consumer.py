"""Consumes the raw queue in batches: up to `batch_size` messages or `batch_wait_ms`.

Up to two batches are applied at once per processor, so one batch's parsing
overlaps the other's database round trips; acks are settled in delivery order
by an AckTracker. Run more replicas to scale further.
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

log = structlog.get_logger(__name__)

BATCHES_IN_FLIGHT = 2


class BatchConsumer:
    """Buffers deliveries and hands them to `handle_batch` in batches."""

    def __init__(self, res: Resources) -> None:
        self._res = res
        self._buffer: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        self._acks = AckTracker()
        self._tag: str | None = None
        self.applied = 0

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
        while len(batch) < size:
            try:
                batch.append(self._buffer.get_nowait())
                continue
            except asyncio.QueueEmpty:
                pass
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self._buffer.get(), timeout=remaining))
            except TimeoutError:
                break
        return batch

    async def _apply(self, batch: list[AbstractIncomingMessage], slots: asyncio.Semaphore) -> None:
        try:
            self.applied += await handle_batch(self._res, self._acks, batch)
        finally:
            slots.release()

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set, then finish what was delivered and return."""
        queue = self._res.broker.raw_queue
        self._tag = await queue.consume(self._on_message)
        log.info("processor_consuming", queue=queue.name)
        slots = asyncio.Semaphore(BATCHES_IN_FLIGHT)
        running: set[asyncio.Task[None]] = set()
        try:
            while True:
                if stop.is_set() and self._tag is not None:
                    # stop new deliveries; what is already buffered is still applied
                    await queue.cancel(self._tag)
                    self._tag = None
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
            if running:
                await asyncio.gather(*running)
            if self._tag is not None:
                with contextlib.suppress(Exception):
                    await queue.cancel(self._tag)
        log.info("processor_stopped", applied=self.applied)
