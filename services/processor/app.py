"""The processor: build resources, consume and apply raw events until stopped (`serve`)."""

from __future__ import annotations

import asyncio

from services.processor.consumer import BatchConsumer
from services.processor.resources import resources
from shared.settings import Settings


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Consume and apply raw events until `stop` is set."""
    async with resources(settings) as res:
        await BatchConsumer(res).run(stop)
