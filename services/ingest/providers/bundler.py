"""Group commit for publishes: concurrent requests share one broker message and confirm.

A request's event is queued and a flush scheduled for the end of the current event-loop
turn, so the requests read in one turn travel together. While `max_in_flight` messages
await their confirms, new events wait for the next free slot and gather meanwhile: the
busier ingest is, the bigger the messages and the fewer the confirms, with no timer
and no added latency when it is quiet (a lone request is flushed in the same turn).

Each `submit` returns only when the message holding its event was confirmed, and
raises what the send raised otherwise: nothing is answered 200 before the broker has it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from shared.raw import RawEvent

Send = Callable[[Sequence[RawEvent]], Awaitable[None]]


class Bundler:
    """Gathers `submit`ted events into calls of `send` (at most `max_in_flight` at once)."""

    def __init__(
        self,
        send: Send,
        *,
        max_events: int = 64,
        max_bytes: int = 64 * 1024,
        max_in_flight: int = 4,
    ) -> None:
        self._send = send
        self._max_events = max_events
        self._max_bytes = max_bytes
        self._max_in_flight = max_in_flight
        self._pending: list[tuple[RawEvent, asyncio.Future[None]]] = []
        self._in_flight = 0
        self._scheduled = False
        self._sends: set[asyncio.Task[None]] = set()

    async def submit(self, event: RawEvent) -> None:
        """Send `event` in the next message; returns once that message's send succeeded."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((event, done))
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)
        await done

    def _flush(self) -> None:
        self._scheduled = False
        while self._pending and self._in_flight < self._max_in_flight:
            self._start(self._take())

    def _take(self) -> list[tuple[RawEvent, asyncio.Future[None]]]:
        taken, size = 0, 0
        for event, _ in self._pending:
            if taken and (taken >= self._max_events or size + len(event.body) > self._max_bytes):
                break
            taken += 1
            size += len(event.body)
        batch, self._pending = self._pending[:taken], self._pending[taken:]
        return batch

    def _start(self, batch: list[tuple[RawEvent, asyncio.Future[None]]]) -> None:
        self._in_flight += 1
        task = asyncio.create_task(self._deliver(batch))
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)

    async def _deliver(self, batch: list[tuple[RawEvent, asyncio.Future[None]]]) -> None:
        try:
            await self._send([event for event, _ in batch])
        except Exception as exc:  # the send's failure is each request's failure
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc)
        else:
            for _, done in batch:
                if not done.done():
                    done.set_result(None)
        finally:
            self._in_flight -= 1
            self._flush()  # what gathered while this one was in flight
