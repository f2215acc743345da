"""The processor's database sessions terminated by the server, again and again under load
(what a Postgres restart does to them, without stopping the shared server): the intermittent
crash of issue 12 (InternalClientError at BEGIN on a pooled connection the server had
ended) never stops it, every event is applied exactly once, and nothing is dead-lettered."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import aio_pika
import asyncpg

from services.processor.app import serve as processor_serve
from shared.broker import RAW_ROUTING_KEY, Topology, declare
from shared.raw import RawEvent
from shared.settings import Settings
from tests.helpers import queue_depth, wait_for

ROUNDS = 10
EVENTS = 3000


def _message(i: int) -> aio_pika.Message:
    body = (
        b'[{"email":"t%d@terminated.test","event":"bounce","type":"bounce","status":"5.1.1",'
        b'"reason":"550 5.1.1 unknown","sg_event_id":"term-%d","timestamp":1700000000}]'
    ) % (i, i)
    raw = RawEvent(
        f"evt_term_{i}", "sendgrid", body, datetime.now(UTC), {"content-type": "application/json"}
    )
    return aio_pika.Message(
        raw.body,
        headers=raw.amqp_headers(),
        message_id=raw.event_id,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


async def _publish_all(settings: Settings) -> None:
    topo = Topology(settings.amqp_prefix, settings.raw_queue_max_length, settings.delivery_limit)
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = (await declare(channel, topo)).raw_exchange
        for start in range(0, EVENTS, 100):
            await asyncio.gather(
                *(exchange.publish(_message(i), RAW_ROUTING_KEY) for i in range(start, start + 100))
            )
            await asyncio.sleep(0.02)  # pacing: the terminations land while batches run


async def _terminate_sessions(url: str) -> int:
    """End every other session on the test database, as a server restart would."""
    admin = await asyncpg.connect(url)
    try:
        return int(
            await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    finally:
        await admin.close()


async def _count(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM events"))
    finally:
        await conn.close()


async def test_sessions_terminated_ten_times_under_load(
    settings: Settings, db: asyncpg.Pool
) -> None:
    fast = settings.model_copy(
        update={"delivery_limit": 2, "db_probe_max_delay": 0.2, "processor_batch_size": 50}
    )
    url = fast.database_url
    stop = asyncio.Event()
    processor = asyncio.create_task(processor_serve(fast, stop))
    publisher = asyncio.create_task(_publish_all(fast))
    try:
        terminated = 0
        for _ in range(ROUNDS):
            before = await _count(url)

            async def progressing(before: int = before) -> bool:
                return await _count(url) > before or publisher.done()

            await wait_for(progressing, timeout=30, what="events being applied")
            terminated += await _terminate_sessions(url)
            assert not processor.done(), processor.exception()
        await publisher

        async def all_applied() -> bool:
            return await _count(url) == EVENTS

        await wait_for(all_applied, timeout=60, interval=0.1, what=f"{EVENTS} events applied")
        assert not processor.done(), processor.exception()
        assert terminated >= ROUNDS
    finally:
        stop.set()
        await asyncio.wait_for(processor, 15)
        publisher.cancel()
        await db.expire_connections()  # its sessions were terminated too
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT count(DISTINCT dedup_key) FROM events") == EVENTS
        bounces = await conn.fetchval(
            "SELECT sum(bounce_count) FROM subscribers WHERE email LIKE '%@terminated.test'"
        )
        assert bounces == EVENTS
    finally:
        await conn.close()
    topo = Topology(fast.amqp_prefix)
    assert await queue_depth(fast.amqp_url, topo.dead_queue) == 0
    assert await queue_depth(fast.amqp_url, topo.raw_queue) == 0
