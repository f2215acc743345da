"""The dead-letter queue of raw events: what is in it, and putting it back.

Two ways lead there: the processor dead-letters what can never be applied
(unparseable, rejected by the database) with an `x-bounceflow-error` header; the
broker dead-letters what was redelivered more than the delivery limit (an
`x-death` header says why and how often): there a bundle of several events
(shared/raw_bundle.py) stays whole, and a redrive puts it back whole.

`peek` takes messages without acking and then closes its channel, so the broker
keeps every one. `redrive` moves messages back to the raw exchange one at a
time: publish with a publisher confirm, and only then ack the dead letter: a
crash in between leaves a duplicate (harmless: events are deduplicated), never
a loss. It moves at most what the queue held when it started, so a message that
is dead-lettered again at once cannot keep it going forever.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import aio_pika
from aio_pika.abc import AbstractConnection, AbstractIncomingMessage

from shared import raw_bundle
from shared.broker import RAW_ROUTING_KEY, Topology, declare

ERROR_HEADER = "x-bounceflow-error"
# Headers that describe the message's life in the queues, not the event: dropped on redrive.
_QUEUE_HEADERS = frozenset(
    {
        ERROR_HEADER,
        "x-death",
        "x-delivery-count",
        "x-first-death-exchange",
        "x-first-death-queue",
        "x-first-death-reason",
        "x-last-death-exchange",
        "x-last-death-queue",
        "x-last-death-reason",
    }
)


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One dead-lettered raw event, as `bounceflow dlq list` shows it."""

    event_id: str | None
    provider: str | None
    received_at: str | None
    error: str | None  # the processor's reason (x-bounceflow-error)
    reason: str | None  # the broker's reason (x-death: delivery_limit, rejected, ...)
    count: int | None  # how often the broker dead-lettered it
    size: int

    @classmethod
    def of(cls, message: AbstractIncomingMessage) -> DeadLetter:
        headers: Mapping[str, object] = message.headers or {}
        reason, count = None, None
        deaths = headers.get("x-death")
        if isinstance(deaths, list) and deaths and isinstance(deaths[0], Mapping):
            reason = _text(deaths[0].get("reason"))
            raw_count = deaths[0].get("count")
            count = int(raw_count) if isinstance(raw_count, int) else None
        provider = _text(headers.get("provider"))
        if message.content_type == raw_bundle.CONTENT_TYPE:  # dead-lettered by the broker
            provider = f"bundle of {raw_bundle.events_in(message.content_type, headers)} events"
        return cls(
            event_id=message.message_id,
            provider=provider,
            received_at=_text(headers.get("received-at")),
            error=_text(headers.get(ERROR_HEADER)),
            reason=reason or ("rejected by the processor" if ERROR_HEADER in headers else None),
            count=count,
            size=len(message.body),
        )


async def depth(connection: AbstractConnection, topo: Topology) -> int:
    """Messages ready in the dead-letter queue."""
    channel = await connection.channel()
    try:
        declared = await declare(channel, topo)
        result = await declared.dead_queue.declare()
        return result.message_count or 0
    finally:
        await channel.close()


async def peek(connection: AbstractConnection, topo: Topology, limit: int) -> list[DeadLetter]:
    """Up to `limit` dead letters, oldest first; all stay in the queue."""
    channel = await connection.channel()
    try:
        queue = (await declare(channel, topo)).dead_queue
        found: list[DeadLetter] = []
        while len(found) < limit:
            message = await queue.get(no_ack=False, fail=False)
            if message is None:
                break
            found.append(DeadLetter.of(message))
    finally:
        await channel.close()  # every unacked message goes back to the queue
    return found


async def redrive(
    connection: AbstractConnection,
    topo: Topology,
    limit: int | None = None,
    progress: Callable[[DeadLetter], None] | None = None,
) -> int:
    """Move up to `limit` dead letters (all it held at the start when None) back to the raw
    queue, each confirmed before it is acked here; returns how many moved."""
    channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
    try:
        declared = await declare(channel, topo)
        held = (await declared.dead_queue.declare()).message_count or 0
        todo = held if limit is None else min(limit, held)
        moved = 0
        while moved < todo:
            message = await declared.dead_queue.get(no_ack=False, fail=False)
            if message is None:
                break
            headers = {k: v for k, v in (message.headers or {}).items() if k not in _QUEUE_HEADERS}
            # raises unless the broker confirms (e.g. the raw queue is full): nothing is acked
            await declared.raw_exchange.publish(
                aio_pika.Message(
                    message.body,
                    headers=headers,
                    message_id=message.message_id,
                    content_type=message.content_type,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                RAW_ROUTING_KEY,
                mandatory=True,
            )
            await message.ack()
            moved += 1
            if progress is not None:
                progress(DeadLetter.of(message))
        return moved
    finally:
        await channel.close()
