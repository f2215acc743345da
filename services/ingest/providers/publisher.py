"""Publishes raw provider requests to RabbitMQ and waits for the publisher confirm.

The connection is made in the background and re-made after a broker restart;
while there is none, `publish` raises BrokerUnavailable at once, so ingest
answers 503 instead of holding the provider's request.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import cast

import aio_pika
import aiormq
import structlog
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractRobustConnection
from aiormq.exceptions import AMQPError, DeliveryError, PublishError
from pamqp.commands import Basic

from services.ingest.providers.bundler import Bundler
from shared import raw_bundle
from shared.broker import RAW_ROUTING_KEY, Topology, connect, declare
from shared.raw import RawEvent

log = structlog.get_logger(__name__)

_PERSISTENT = int(aio_pika.DeliveryMode.PERSISTENT)
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
        self._bundler = Bundler(self._send)

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
        """Publish `raw` persistently; returns only once the broker confirmed it.

        Concurrent publishes share a message (bundler.py): one write, one confirm."""
        if not self.ready:
            raise BrokerUnavailable("not connected to the broker")
        await self._bundler.submit(raw)

    async def _send(self, events: Sequence[RawEvent]) -> None:
        """One persistent message holding `events`, awaited until confirmed.

        Straight to the aiormq channel with `wait=False`: the channel's lock is held only
        while the frames are queued, not until the socket drained them, so concurrent
        sends share writes instead of taking turns (aio-pika's Exchange.publish holds it
        across the drain). The confirm is awaited as before."""
        if not self.ready or self._exchange is None or self._channel is None:
            raise BrokerUnavailable("not connected to the broker")
        body, content_type, headers, message_id = raw_bundle.message_of(events)
        properties = Basic.Properties(
            content_type=content_type,
            delivery_mode=_PERSISTENT,
            headers=headers,
            message_id=message_id,
            priority=0,
        )
        try:
            channel = cast(aiormq.Channel, await self._channel.get_underlay_channel())
            confirm = await channel.basic_publish(
                body,
                exchange=self._exchange.name,
                routing_key=RAW_ROUTING_KEY,
                properties=properties,
                mandatory=True,
                timeout=self._timeout,
                wait=False,
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
