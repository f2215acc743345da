"""Concurrent requests travel as one bundle message; the processor applies each of its
events, dead-letters a bad one alone, and acks the bundle only when all are settled.
On the real broker and database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import orjson
import pytest

from services.ingest.providers.publisher import Publisher
from services.processor.consumer import BatchConsumer
from services.processor.resources import resources
from shared import raw_bundle
from shared.broker import Topology
from shared.raw import CONTENT_TYPE, RawEvent
from shared.settings import Settings
from tests.helpers import drain, queue_depth, wait_for


def bounce(i: int) -> RawEvent:
    body = [
        {
            "email": f"bundled{i}@bundle.test",
            "event": "bounce",
            "type": "bounce",
            "status": "5.1.1",
            "reason": "550 5.1.1 unknown user",
            "sg_event_id": f"bundle-{i}",
            "timestamp": 1700000000,
        }
    ]
    return RawEvent(
        f"evt_bundled_{i}", "sendgrid", orjson.dumps(body), datetime.now(UTC),
        {"content-type": "application/json"}, "signature",
    )  # fmt: skip


@pytest.fixture
async def publisher(settings: Settings) -> AsyncIterator[Publisher]:
    p = Publisher(settings.amqp_url, Topology(settings.amqp_prefix))
    p.start()

    async def ready() -> bool:
        return p.ready

    await wait_for(ready, what="the publisher connected")
    yield p
    await p.close()


async def test_a_bundle_is_applied_event_by_event(
    settings: Settings, db: asyncpg.Pool, publisher: Publisher
) -> None:
    bad = RawEvent("evt_bundled_bad", "sendgrid", b"{not json", datetime.now(UTC), {}, "basic")
    events = [bounce(0), bad, bounce(1), bounce(2)]
    await asyncio.gather(*(publisher.publish(e) for e in events))  # one turn: one message
    topology = Topology(settings.amqp_prefix)
    [message] = await drain(settings.amqp_url, topology.raw_queue)
    assert message.content_type == raw_bundle.CONTENT_TYPE
    assert message.headers["events"] == 4
    assert raw_bundle.unpack(message.body) == events
    await asyncio.gather(*(publisher.publish(e) for e in events))  # again, for the processor

    stop = asyncio.Event()
    async with resources(settings, stop) as res:
        task = asyncio.create_task(BatchConsumer(res).run(stop))

        async def applied() -> bool:
            sql = "SELECT count(*) FROM events WHERE email LIKE 'bundled%'"
            return bool(await db.fetchval(sql) == 3)

        await wait_for(applied, what="the bundle's three bounces applied")

        async def settled() -> bool:
            return await queue_depth(settings.amqp_url, topology.dead_queue) == 1 and (
                await queue_depth(settings.amqp_url, topology.raw_queue) == 0
            )

        await wait_for(settled, what="the bad event dead-lettered, the bundle acked")
        stop.set()
        await asyncio.wait_for(task, 15)
    [dead] = await drain(settings.amqp_url, topology.dead_queue)
    # alone and as any raw event: `dlq list` shows it and a redrive replays only it
    assert (dead.message_id, dead.content_type, dead.body) == (
        "evt_bundled_bad",
        CONTENT_TYPE,
        bad.body,
    )
    assert "unparseable" in str(dead.headers["x-bounceflow-error"])
    assert RawEvent.from_amqp(dead.message_id, dead.headers, dead.body).provider == "sendgrid"
    statuses = await db.fetch("SELECT DISTINCT status FROM subscribers WHERE email LIKE 'bundled%'")
    assert [r["status"] for r in statuses] == ["bounced"]
