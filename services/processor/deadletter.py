"""Dead-lettering with a reason: a confirmed publish to the dead-letter exchange, then ack.

Used for messages that can never succeed (unparseable, rejected by the
database); they keep their body and headers and gain `x-bounceflow-error`.
Publishing ourselves (rather than rejecting into the queue's dead-letter
exchange) is what lets the reason travel with the message. One event of a
bundle (shared/raw_bundle.py) goes there alone, as a raw event of its own.
"""

from __future__ import annotations

import aio_pika
import structlog
from aio_pika.abc import AbstractIncomingMessage

from services.processor.resources import Resources
from shared.broker import RAW_ROUTING_KEY
from shared.raw import CONTENT_TYPE, RawEvent

log = structlog.get_logger(__name__)

MAX_REASON = 1000  # characters kept of the error text


async def dead_letter(res: Resources, message: AbstractIncomingMessage, reason: str) -> None:
    """Copy `message` to the dead-letter queue with `reason`; returns once confirmed.

    The caller then acks the original (through its AckTracker)."""
    headers = dict(message.headers)
    headers["x-bounceflow-error"] = reason[:MAX_REASON]
    await res.broker.dead_exchange.publish(
        aio_pika.Message(
            message.body,
            headers=headers,
            message_id=message.message_id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            content_type=message.content_type,
        ),
        RAW_ROUTING_KEY,
    )
    log.warning("dead_lettered", event_id=message.message_id, reason=reason[:200])


async def dead_letter_event(res: Resources, raw: RawEvent, reason: str) -> None:
    """Publish one raw event of a bundle to the dead-letter queue with `reason`; returns
    once confirmed. The bundle is acked once all of its events are settled."""
    headers = raw.amqp_headers()
    headers["x-bounceflow-error"] = reason[:MAX_REASON]
    await res.broker.dead_exchange.publish(
        aio_pika.Message(
            raw.body,
            headers=headers,
            message_id=raw.event_id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            content_type=CONTENT_TYPE,
        ),
        RAW_ROUTING_KEY,
    )
    log.warning("dead_lettered", event_id=raw.event_id, reason=reason[:200])
