"""Processor lifespan: pool, broker connection and channel, as one frozen Resources."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncpg
from aio_pika.abc import AbstractChannel, AbstractRobustConnection

from services.processor.metrics import ProcessorMetrics
from services.processor.parsers import MetadataKeys
from shared.broker import Declared, Topology, connect, declare
from shared.db import create_pool_waiting
from shared.db_health import DatabaseHealth
from shared.settings import Settings


@dataclass(frozen=True, slots=True)
class Resources:
    settings: Settings
    pool: asyncpg.Pool
    connection: AbstractRobustConnection
    channel: AbstractChannel
    broker: Declared
    metadata_keys: MetadataKeys
    db: DatabaseHealth
    metrics: ProcessorMetrics = field(default_factory=ProcessorMetrics.create)


@contextlib.asynccontextmanager
async def resources(
    settings: Settings, stop: asyncio.Event | None = None
) -> AsyncIterator[Resources]:
    """Open everything the processor needs (waiting for a database that is away; raises
    shared.db.StoppedWaiting when `stop` is set meanwhile); close it all on exit."""
    pool = await create_pool_waiting(
        settings.database_url, settings.db_pool_size, stop, settings.db_probe_max_delay
    )
    try:
        connection = await connect(settings.amqp_url)
        try:
            # confirms on: dead-lettering with a reason is a confirmed publish
            channel = await connection.channel(publisher_confirms=True)
            # prefetch two batches, so the next batch is already here while one commits
            await channel.set_qos(prefetch_count=settings.processor_batch_size * 2)
            topology = Topology(
                settings.amqp_prefix, settings.raw_queue_max_length, settings.delivery_limit
            )
            declared = await declare(channel, topology)
            keys = MetadataKeys.from_csv(
                settings.campaign_keys, settings.subscriber_name_keys, settings.sending_domain_keys
            )
            health = DatabaseHealth(settings.database_url, pool, settings.db_probe_max_delay)
            try:
                yield Resources(settings, pool, connection, channel, declared, keys, health)
            finally:
                health.close()
        finally:
            await connection.close()
    finally:
        await pool.close()
