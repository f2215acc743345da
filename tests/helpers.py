"""Test helpers: waiting on conditions with a deadline, broker inspection."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aio_pika

T = TypeVar("T")


async def wait_for(
    probe: Callable[[], Awaitable[T]],
    *,
    timeout: float = 10.0,
    interval: float = 0.02,
    what: str = "condition",
) -> T:
    """Poll `probe` until it returns a truthy value; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {value!r})")
        await asyncio.sleep(interval)


async def queue_depth(amqp_url: str, queue: str) -> int:
    """Messages ready in `queue` (0 if it does not exist)."""
    conn = await aio_pika.connect(amqp_url)
    async with conn:
        ch = await conn.channel()
        try:
            q = await ch.declare_queue(queue, passive=True)
        except aio_pika.exceptions.ChannelClosed:
            return 0
        return q.declaration_result.message_count or 0


async def drain(
    amqp_url: str, queue: str, limit: int = 1000
) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """Take (and ack) up to `limit` messages from `queue`."""
    got: list[aio_pika.abc.AbstractIncomingMessage] = []
    conn = await aio_pika.connect(amqp_url)
    async with conn:
        ch = await conn.channel()
        q = await ch.declare_queue(queue, passive=True)
        while len(got) < limit:
            msg = await q.get(no_ack=True, fail=False)
            if msg is None:
                break
            got.append(msg)
    return got
