"""RabbitMQ plumbing: one URL per connection, the topology, publisher-confirmed channels.

Topology (names prefixed by BOUNCEFLOW_AMQP_PREFIX, so test runs never collide):

    <p>.raw        direct exchange  --"raw"-->  <p>.raw  quorum queue (work)
    <p>.dlx        direct exchange  --"raw"-->  <p>.raw.dead  quorum queue (dead letters)

The work queue dead-letters at-least-once to <p>.dlx (rejected messages and
those redelivered more than `delivery_limit` times), rejects publishes when it
is full (so ingest answers 503 and the provider retries), and survives a broker
restart (quorum queues are durable and replicated).
"""

from __future__ import annotations

from dataclasses import dataclass

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue, AbstractRobustConnection

RAW_ROUTING_KEY = "raw"


@dataclass(frozen=True, slots=True)
class Topology:
    """Names and limits of the broker objects, derived from the settings."""

    prefix: str
    max_length: int = 5_000_000
    delivery_limit: int = 10

    @property
    def raw_exchange(self) -> str:
        return f"{self.prefix}.raw"

    @property
    def raw_queue(self) -> str:
        return f"{self.prefix}.raw"

    @property
    def dead_exchange(self) -> str:
        return f"{self.prefix}.dlx"

    @property
    def dead_queue(self) -> str:
        return f"{self.prefix}.raw.dead"


@dataclass(frozen=True, slots=True)
class Declared:
    raw_exchange: AbstractExchange
    raw_queue: AbstractQueue
    dead_exchange: AbstractExchange
    dead_queue: AbstractQueue


async def connect(url: str) -> AbstractRobustConnection:
    """A connection that reconnects by itself after a broker restart."""
    return await aio_pika.connect_robust(url, client_properties={"connection_name": "bounceflow"})


async def declare(channel: AbstractChannel, topo: Topology) -> Declared:
    """Declare (idempotently) every exchange and queue; safe from every service."""
    dead_x = await channel.declare_exchange(
        topo.dead_exchange, aio_pika.ExchangeType.DIRECT, durable=True
    )
    dead_q = await channel.declare_queue(
        topo.dead_queue, durable=True, arguments={"x-queue-type": "quorum"}
    )
    await dead_q.bind(dead_x, RAW_ROUTING_KEY)
    raw_x = await channel.declare_exchange(
        topo.raw_exchange, aio_pika.ExchangeType.DIRECT, durable=True
    )
    raw_q = await channel.declare_queue(
        topo.raw_queue,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": topo.dead_exchange,
            "x-dead-letter-routing-key": RAW_ROUTING_KEY,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
            "x-max-length": topo.max_length,
            "x-delivery-limit": topo.delivery_limit,
        },
    )
    await raw_q.bind(raw_x, RAW_ROUTING_KEY)
    return Declared(raw_x, raw_q, dead_x, dead_q)


async def delete_topology(url: str, prefix: str) -> None:
    """Delete every queue and exchange of `prefix` (test runs, the demo, benchmarks)."""
    topo = Topology(prefix)
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        for queue in (topo.raw_queue, topo.dead_queue):
            await channel.queue_delete(queue)
        for exchange in (topo.raw_exchange, topo.dead_exchange):
            await channel.exchange_delete(exchange)
