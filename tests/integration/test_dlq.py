"""`bounceflow dlq list` / `redrive` on the real broker: dead letters of both kinds (the
processor's, with `x-bounceflow-error`; the broker's, with `x-death`) are shown with their
error and stay; redrive moves them back to the raw queue without the queue headers, and the
processor then applies them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import aio_pika
import asyncpg

from demo.processes import run_cli, service_env
from services.processor.app import serve as processor_serve
from shared.broker import RAW_ROUTING_KEY, Topology, declare
from shared.raw import RawEvent
from shared.settings import Settings
from tests.helpers import drain, queue_depth, wait_for


def _raw(event_id: str, email: str) -> RawEvent:
    body = (
        b'[{"email":"%s","event":"bounce","type":"bounce","status":"5.1.1",'
        b'"reason":"550 5.1.1 unknown","sg_event_id":"%s","timestamp":1700000000}]'
    ) % (email.encode(), event_id.encode())
    return RawEvent(
        event_id, "sendgrid", body, datetime.now(UTC), {"content-type": "application/json"}
    )


def _message(raw: RawEvent, **headers: str) -> aio_pika.Message:
    return aio_pika.Message(
        raw.body,
        headers={**raw.amqp_headers(), **headers},
        message_id=raw.event_id,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


def _cli(settings: Settings, *args: str) -> str:
    env = service_env(
        {
            "BOUNCEFLOW_DATABASE_URL": settings.database_url,
            "BOUNCEFLOW_AMQP_URL": settings.amqp_url,
            "BOUNCEFLOW_AMQP_PREFIX": settings.amqp_prefix,
            "BOUNCEFLOW_LOG_FORMAT": "json",
            "COLUMNS": "200",
        }
    )
    return run_cli(env, "dlq", *args)


async def _dead_letter_two(settings: Settings) -> None:
    """One dead letter as the processor makes it, one as the broker makes it (rejected)."""
    topo = Topology(settings.amqp_prefix, settings.raw_queue_max_length, settings.delivery_limit)
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        declared = await declare(channel, topo)
        await declared.dead_exchange.publish(
            _message(
                _raw("evt_dlq_processor", "a@dlq.test"),
                **{"x-bounceflow-error": "rejected by the database: simulated"},
            ),
            RAW_ROUTING_KEY,
        )
        await declared.raw_exchange.publish(
            _message(_raw("evt_dlq_broker", "b@dlq.test")), RAW_ROUTING_KEY
        )
        message = await declared.raw_queue.get(no_ack=False)
        assert message is not None
        await message.reject(requeue=False)  # the broker dead-letters it with x-death

        async def both_dead() -> bool:
            return await queue_depth(settings.amqp_url, topo.dead_queue) == 2

        await wait_for(both_dead, what="two dead letters")


async def test_dlq_list_then_redrive_round_trip(settings: Settings, db: asyncpg.Pool) -> None:
    topo = Topology(settings.amqp_prefix)
    await _dead_letter_two(settings)

    listing = await asyncio.to_thread(_cli, settings, "list")
    assert "evt_dlq_processor" in listing
    assert "evt_dlq_broker" in listing
    assert "rejected by the database: simulated" in listing
    assert "sendgrid" in listing
    assert "rejected" in listing  # the broker's reason (x-death)
    assert await queue_depth(settings.amqp_url, topo.dead_queue) == 2  # listing keeps them

    out = await asyncio.to_thread(_cli, settings, "redrive", "--limit", "1")
    assert "redriven: 1" in out
    assert await queue_depth(settings.amqp_url, topo.dead_queue) == 1
    assert await queue_depth(settings.amqp_url, topo.raw_queue) == 1

    out = await asyncio.to_thread(_cli, settings, "redrive")
    assert "redriven: 1" in out
    assert await queue_depth(settings.amqp_url, topo.dead_queue) == 0
    assert await queue_depth(settings.amqp_url, topo.raw_queue) == 2

    # the processor applies what was redriven: the dead-letter history is gone from it
    stop = asyncio.Event()
    task = asyncio.create_task(processor_serve(settings, stop))
    try:

        async def applied() -> bool:
            return bool(await db.fetchval("SELECT count(*) FROM events") == 2)

        await wait_for(applied, timeout=20, what="redriven events applied")
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    rows = await db.fetch("SELECT ingest_id FROM events ORDER BY ingest_id")
    assert [r["ingest_id"] for r in rows] == ["evt_dlq_broker", "evt_dlq_processor"]
    assert await queue_depth(settings.amqp_url, topo.dead_queue) == 0
    assert await queue_depth(settings.amqp_url, topo.raw_queue) == 0


async def test_redrive_strips_queue_headers(settings: Settings, db: asyncpg.Pool) -> None:
    topo = Topology(settings.amqp_prefix)
    await _dead_letter_two(settings)
    await asyncio.to_thread(_cli, settings, "redrive")
    moved = await drain(settings.amqp_url, topo.raw_queue)
    assert sorted(m.message_id or "" for m in moved) == ["evt_dlq_broker", "evt_dlq_processor"]
    for m in moved:
        headers = m.headers or {}
        assert "x-bounceflow-error" not in headers
        assert "x-death" not in headers
        assert headers["provider"] == "sendgrid"
        assert RawEvent.from_amqp(m.message_id, headers, m.body).provider == "sendgrid"
