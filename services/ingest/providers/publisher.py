"""Publishes raw provider requests to RabbitMQ and waits for the publisher confirm.

The connection is made in the background and re-made after a broker restart;
while there is none, `publish` raises BrokerUnavailable at once, so ingest
answers 503 instead of holding the provider's request.
"""

from __future__ import annotations

import asyncio
import contextlib

import aio_pika
import structlog
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractRobustConnection
from aiormq.exceptions import AMQPError, DeliveryError, PublishError
from pamqp.commands import Basic

from shared.broker import RAW_ROUTING_KEY, Topology, connect, declare
from shared.raw import RawEvent

log = structlog.get_logger(__name__)

_CLOSE_GRACE = 5.0  # seconds a connection attempt in flight may take to finish at close


class BrokerUnavailable(Exception):
    """The broker did not confirm the publish; nothing was accepted."""


class Publisher:
    """Owns one robust connection and a confirm-mode channel."""

    def __init__(self, url: str, topology: Topology, timeout: float = 5.0) -> None:
        self._url = url
        self._topology = topology
        self._timeout = timeout
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._connect_forever(), name="amqp-connect")

    async def _connect_forever(self) -> None:
        delay = 0.5
        while self._exchange is None and not self._stopping.is_set():
            try:
                self._connection = await connect(self._url)
                self._channel = await self._connection.channel(publisher_confirms=True)
                declared = await declare(self._channel, self._topology)
                self._exchange = declared.raw_exchange
                log.info("broker_connected")
            except (TimeoutError, OSError, AMQPError) as exc:
                log.warning("broker_unreachable", error=str(exc), retry_in=delay)
                await self._discard()
                # backoff between connection attempts; a close() ends it at once
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), delay)
                delay = min(delay * 2, 10.0)

    async def _discard(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
        self._connection = self._channel = None

    @property
    def ready(self) -> bool:
        return (
            self._exchange is not None
            and self._channel is not None
            and not self._channel.is_closed
            and self._connection is not None
            and not self._connection.is_closed
            # a robust connection is not closed while it reconnects, only not connected
            and self._connection.connected.is_set()
        )

    async def publish(self, raw: RawEvent) -> None:
        """Publish `raw` persistently; returns only once the broker confirmed it."""
        if not self.ready or self._exchange is None:
            raise BrokerUnavailable("not connected to the broker")
        message = aio_pika.Message(
            raw.body,
            message_id=raw.event_id,
            headers=raw.amqp_headers(),
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            content_type="application/octet-stream",
        )
        try:
            confirm = await self._exchange.publish(
                message, RAW_ROUTING_KEY, mandatory=True, timeout=self._timeout
            )
        except (DeliveryError, PublishError) as exc:
            raise BrokerUnavailable(f"broker refused the message: {exc}") from None
        except (TimeoutError, AMQPError, OSError, RuntimeError) as exc:
            raise BrokerUnavailable(f"publish failed: {exc!r}") from None
        if not isinstance(confirm, Basic.Ack):
            raise BrokerUnavailable(f"broker did not ack: {confirm!r}")

    async def close(self) -> None:
        """Stop connecting and close. A connection attempt in flight is let finish (it is
        bounded by the connect timeout) rather than cancelled: a cancelled attempt leaks a
        half-made connection whose callbacks outlive the event loop."""
        self._stopping.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), _CLOSE_GRACE)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
        await self._discard()
