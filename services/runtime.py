"""Running a service: an event loop (uvloop where available), signals -> a stop event."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

import structlog

from shared.logging import configure_logging
from shared.settings import Settings

Serve = Callable[[Settings, asyncio.Event], Awaitable[None]]


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


async def _with_signals(serve: Serve, settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await serve(settings, stop)


def run_until_signalled(serve: Serve, settings: Settings, service: str) -> None:
    """Configure logging for `service` and run `serve` until SIGTERM/SIGINT."""
    configure_logging(settings.log_level, settings.log_format, service)
    structlog.get_logger(__name__).info("service_starting", service=service)
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        runner.run(_with_signals(serve, settings))
