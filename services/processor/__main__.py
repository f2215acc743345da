"""`bounceflow processor`: parse settings, build resources, run until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import contextlib

from services.processor.app import resources
from services.processor.consumer import BatchConsumer
from services.processor.housekeeping import housekeeping
from services.runtime import run_until_signalled
from shared.settings import Settings


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Consume and apply raw events until `stop` is set."""
    async with resources(settings) as res:
        pruning = asyncio.create_task(housekeeping(res.pool, settings, stop))
        try:
            await BatchConsumer(res).run(stop)
        finally:
            pruning.cancel()  # a prune batch in flight rolls back; the next pass resumes
            with contextlib.suppress(asyncio.CancelledError):
                await pruning


def main(settings: Settings) -> None:
    run_until_signalled(serve, settings, "processor")


if __name__ == "__main__":
    from services.cli import main as cli_main

    cli_main(["processor"])
