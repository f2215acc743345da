"""The processor: build resources, consume and apply raw events until stopped (`serve`)."""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from aiohttp import web

from services.processor.consumer import BatchConsumer
from services.processor.housekeeping import housekeeping
from services.processor.metrics import add_metrics_route
from services.processor.resources import resources
from shared.db import StoppedWaiting
from shared.readiness import add_health_routes, serving
from shared.settings import Settings

log = structlog.get_logger(__name__)


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Consume and apply raw events until `stop` is set; /healthz, /readyz and
    /metrics on BOUNCEFLOW_PROCESSOR_HEALTH_PORT unless 0."""
    try:
        async with resources(settings, stop) as res, contextlib.AsyncExitStack() as stack:
            consumer = BatchConsumer(res)
            if settings.processor_health_port:
                app = web.Application()
                add_health_routes(app, consumer.checks)
                add_metrics_route(app, res.metrics)
                port = settings.processor_health_port
                await stack.enter_async_context(serving(app, settings.http_host, port, "processor"))
            pruning = asyncio.create_task(housekeeping(res.pool, settings, stop))
            try:
                await consumer.run(stop)
            finally:
                pruning.cancel()  # a prune batch in flight rolls back; the next pass resumes
                with contextlib.suppress(asyncio.CancelledError):
                    await pruning
    except StoppedWaiting:
        log.info("processor_stopped", applied=0, reason="stopped while waiting for the database")
