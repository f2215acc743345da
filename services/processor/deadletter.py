"""Dead-lettering with a reason: a confirmed publish to the dead-letter exchange, then ack.

Used for messages that can never succeed (unparseable, rejected by the
database); they keep their body and headers and gain `x-bounceflow-error`.
Publishing ourselves (rather than rejecting into the queue's dead-letter
exchange) is what lets the reason travel with the message. One event of a
bundle (shared/raw_bundle.py) goes there alone, as a raw event of its own.
"""

from __future__ import annotations

from typing import Any

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
    await _publish(
        res, message.body, dict(message.headers), message.message_id, message.content_type, reason
    )


async def dead_letter_event(res: Resources, raw: RawEvent, reason: str) -> None:
    """Publish one raw event of a bundle to the dead-letter queue with `reason`; returns
    once confirmed. The bundle is acked once all of its events are settled."""
    await _publish(res, raw.body, raw.amqp_headers(), raw.event_id, CONTENT_TYPE, reason)


async def _publish(
    res: Resources,
    body: bytes,
    headers: dict[str, Any],
    message_id: str | None,
    content_type: str | None,
    reason: str,
) -> None:
    headers["x-bounceflow-error"] = reason[:MAX_REASON]
    await res.broker.dead_exchange.publish(
        aio_pika.Message(
            body,
            headers=headers,
            message_id=message_id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            content_type=content_type,
        ),
        RAW_ROUTING_KEY,
    )
    log.warning("dead_lettered", event_id=message_id, reason=reason[:200])
