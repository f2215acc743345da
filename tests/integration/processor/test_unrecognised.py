"""Issue 10 item 4 (processor): nothing is dropped silently. An event type no rule knows
is counted (bounceflow_unrecognised_events_total{provider, reason}) and logged at
warning; one that names recipients is also dead-lettered with the reason, after the
request's classified events were applied. On the real broker and database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aio_pika
import asyncpg
import orjson
import pytest
from structlog.testing import capture_logs

from services.processor.consumer import BatchConsumer
from services.processor.metrics import UNCLASSIFIABLE_RECIPIENT, UNKNOWN_EVENT_TYPE
from services.processor.resources import Resources, resources
from shared.broker import RAW_ROUTING_KEY, Topology
from shared.raw import RawEvent
from shared.settings import Settings
from tests.helpers import drain, queue_depth, wait_for

# What moto sends for a bounce: an undocumented notificationType holding a bounce object.
MOTO_BOUNCE = {
    "notificationType": "BounceNotification",
    "bounce": {
        "bounceType": "Permanent",
        "bounceSubType": "General",
        "bouncedRecipients": [{"emailAddress": "moto@unrec.test", "status": "5.1.1"}],
        "timestamp": "2026-01-27T14:59:38.237Z",
    },
    "mail": {"messageId": "moto-1", "timestamp": "2026-01-27T14:59:38.237Z"},
}
SENDGRID_BATCH = [
    {
        "email": "known@unrec.test",
        "event": "bounce",
        "type": "bounce",
        "status": "5.1.1",
        "reason": "550 5.1.1 unknown user",
        "sg_event_id": "unrec-known-1",
        "timestamp": 1700000000,
    },
    {
        "email": "future@unrec.test",
        "event": "teleported",
        "sg_event_id": "unrec-unknown-1",
        "timestamp": 1700000000,
    },
]


@pytest.fixture
async def running(settings: Settings, db: asyncpg.Pool) -> AsyncIterator[Resources]:
    """A processor consuming the raw queue; its Resources carry the metrics."""
    stop = asyncio.Event()
    async with resources(settings, stop) as res:
        task = asyncio.create_task(BatchConsumer(res).run(stop))
        yield res
        stop.set()
        await asyncio.wait_for(task, 15)


async def _publish(settings: Settings, raw: RawEvent) -> None:
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(f"{settings.amqp_prefix}.raw")
        message = aio_pika.Message(
            raw.body,
            headers=raw.amqp_headers(),
            message_id=raw.event_id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        await exchange.publish(message, RAW_ROUTING_KEY)


async def test_ses_undocumented_type_with_recipients_is_dead_lettered(
    settings: Settings, db: asyncpg.Pool, running: Resources
) -> None:
    raw = RawEvent(
        "evt_unrec_moto",
        "ses",
        orjson.dumps(MOTO_BOUNCE),
        datetime.now(UTC),
        {"x-amz-sns-rawdelivery": "true", "x-amz-sns-message-id": "moto-msg-1"},
    )
    dead = Topology(settings.amqp_prefix).dead_queue
    with capture_logs() as logs:
        await _publish(settings, raw)

        async def dead_lettered() -> bool:
            return await queue_depth(settings.amqp_url, dead) == 1

        await wait_for(dead_lettered, what="the moto bounce in the DLQ")
    [message] = await drain(settings.amqp_url, dead)
    assert message.message_id == "evt_unrec_moto"
    assert message.body == raw.body
    error = message.headers["x-bounceflow-error"]
    assert error == "ses: unknown event type 'bouncenotification' with recipients"
    assert running.metrics.unrecognised_count("ses", UNCLASSIFIABLE_RECIPIENT) == 1
    warnings = [e for e in logs if e["event"] == "unrecognised_event_type"]
    assert warnings == [
        {
            "event": "unrecognised_event_type",
            "log_level": "warning",
            "event_id": "evt_unrec_moto",
            "provider": "ses",
            "category": "bouncenotification",
            "reason": UNCLASSIFIABLE_RECIPIENT,
        }
    ]
    assert await db.fetchval("SELECT count(*) FROM events WHERE email = 'moto@unrec.test'") == 0


async def test_sendgrid_unknown_type_is_counted_and_the_bounce_applied(
    settings: Settings, db: asyncpg.Pool, running: Resources
) -> None:
    raw = RawEvent(
        "evt_unrec_sendgrid",
        "sendgrid",
        orjson.dumps(SENDGRID_BATCH),
        datetime.now(UTC),
        {"content-type": "application/json"},
    )
    with capture_logs() as logs:
        await _publish(settings, raw)

        async def applied() -> bool:
            sql = "SELECT count(*) FROM events WHERE email = 'known@unrec.test'"
            return bool(await db.fetchval(sql) == 1)

        await wait_for(applied, what="the known bounce applied")

        async def raw_empty() -> bool:
            return await queue_depth(settings.amqp_url, f"{settings.amqp_prefix}.raw") == 0

        await wait_for(raw_empty, what="the raw message acked")
    assert running.metrics.unrecognised_count("sendgrid", UNKNOWN_EVENT_TYPE) == 1
    assert running.metrics.unrecognised_count("sendgrid", UNCLASSIFIABLE_RECIPIENT) == 0
    assert await queue_depth(settings.amqp_url, Topology(settings.amqp_prefix).dead_queue) == 0
    warnings = [e for e in logs if e["event"] == "unrecognised_event_type"]
    assert [(w["provider"], w["category"], w["reason"]) for w in warnings] == [
        ("sendgrid", "teleported", UNKNOWN_EVENT_TYPE)
    ]
