"""`bounceflow ingest`: the HTTP service (provider webhooks and the management API)."""

from __future__ import annotations

import asyncio

import structlog
from aiohttp import web

from services.ingest.app import build_app
from services.runtime import run_until_signalled
from shared.settings import Settings

log = structlog.get_logger(__name__)


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Serve HTTP until `stop` is set; in-flight requests get up to 8 s to finish."""
    runner = web.AppRunner(build_app(settings), shutdown_timeout=8, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.http_host, settings.http_port, backlog=1024)
    await site.start()
    log.info("ingest_listening", host=settings.http_host, port=settings.http_port)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(settings: Settings) -> None:
    run_until_signalled(serve, settings, "ingest")
