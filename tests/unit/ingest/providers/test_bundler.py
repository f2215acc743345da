"""Group commit: concurrent submits share sends; each returns only after its own send."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from services.ingest.providers.bundler import Bundler
from shared.raw import RawEvent


def event(i: int, size: int = 10) -> RawEvent:
    return RawEvent(f"evt_{i}", "ses", b"x" * size, datetime.now(UTC))


class Broker:
    """A send whose confirms the test releases by hand."""

    def __init__(self) -> None:
        self.sent: list[list[str]] = []
        self.confirms: list[asyncio.Future[None]] = []

    async def send(self, events: Sequence[RawEvent]) -> None:
        self.sent.append([e.event_id for e in events])
        confirm: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.confirms.append(confirm)
        await confirm


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_lone_submit_is_sent_alone_at_once() -> None:
    broker = Broker()
    bundler = Bundler(broker.send)
    task = asyncio.create_task(bundler.submit(event(1)))
    await settle()
    assert broker.sent == [["evt_1"]]
    assert not task.done()  # not before its confirm
    broker.confirms[0].set_result(None)
    await task


async def test_submits_of_one_turn_share_a_message() -> None:
    broker = Broker()
    bundler = Bundler(broker.send)
    tasks = [asyncio.create_task(bundler.submit(event(i))) for i in range(5)]
    await settle()
    assert broker.sent == [[f"evt_{i}" for i in range(5)]]
    broker.confirms[0].set_result(None)
    await asyncio.gather(*tasks)


async def test_submits_gather_while_the_slots_are_busy() -> None:
    broker = Broker()
    bundler = Bundler(broker.send, max_in_flight=1)
    first = asyncio.create_task(bundler.submit(event(0)))
    await settle()
    waiting = []
    for i in range(1, 4):  # arrive in separate turns while the one slot awaits its confirm
        waiting.append(asyncio.create_task(bundler.submit(event(i))))
        await settle()
    assert broker.sent == [["evt_0"]]
    broker.confirms[0].set_result(None)
    await first
    await settle()
    assert broker.sent == [["evt_0"], ["evt_1", "evt_2", "evt_3"]]
    assert not any(t.done() for t in waiting)
    broker.confirms[1].set_result(None)
    await asyncio.gather(*waiting)


async def test_messages_are_bounded_by_events_and_bytes() -> None:
    broker = Broker()
    bundler = Bundler(broker.send, max_events=3, max_bytes=25, max_in_flight=10)
    tasks = [asyncio.create_task(bundler.submit(event(i))) for i in range(5)]
    tasks.append(asyncio.create_task(bundler.submit(event(5, size=100))))  # alone: over the bytes
    await settle()
    assert broker.sent == [["evt_0", "evt_1"], ["evt_2", "evt_3"], ["evt_4"], ["evt_5"]]
    for confirm in broker.confirms:
        confirm.set_result(None)
    await asyncio.gather(*tasks)


async def test_a_failed_send_fails_every_submit_in_it_and_only_those() -> None:
    broker = Broker()
    bundler = Bundler(broker.send, max_in_flight=1)
    lost = [asyncio.create_task(bundler.submit(event(i))) for i in range(2)]
    await settle()
    later = asyncio.create_task(bundler.submit(event(9)))
    await settle()
    broker.confirms[0].set_exception(ConnectionError("nacked"))
    for task in lost:
        with pytest.raises(ConnectionError):
            await task
    await settle()
    assert broker.sent[-1] == ["evt_9"]
    broker.confirms[-1].set_result(None)
    await later
