"""Consumes the raw queue in batches: up to `batch_size` messages or `batch_wait_ms`.

One batch is applied at a time per processor (run more replicas to scale);
the broker's prefetch keeps the next batch arriving while one commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import structlog
from aio_pika.abc import AbstractIncomingMessage

from services.processor.app import Resources
from services.processor.handlers import handle_batch

log = structlog.get_logger(__name__)


class BatchConsumer:
    """Buffers deliveries and hands them to `handle_batch` in batches."""

    def __init__(self, res: Resources) -> None:
        self._res = res
        self._buffer: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        self._tag: str | None = None
        self.applied = 0

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
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

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set, then finish what was delivered and return."""
        queue = self._res.broker.raw_queue
        self._tag = await queue.consume(self._on_message)
        log.info("processor_consuming", queue=queue.name)
        try:
            while True:
                if stop.is_set() and self._tag is not None:
                    # stop new deliveries; what is already buffered is still applied
                    await queue.cancel(self._tag)
                    self._tag = None
                batch = await self._next_batch(stop)
                if not batch:
                    break
                self.applied += await handle_batch(self._res, batch)
        finally:
            if self._tag is not None:
                with contextlib.suppress(Exception):
                    await queue.cancel(self._tag)
        log.info("processor_stopped", applied=self.applied)
