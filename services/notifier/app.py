"""The notifier: build resources, relay the outbox and deliver until stopped (`serve`)."""

from __future__ import annotations

import asyncio

import structlog
from aiohttp.abc import AbstractResolver

from services.notifier.dispatcher import Dispatcher
from services.notifier.metrics import serving
from services.notifier.relay import Relay
from services.notifier.resources import resources
from shared.db import StoppedWaiting
from shared.settings import Settings

log = structlog.get_logger(__name__)

# Seconds the loops get to wind down after stop before they are cancelled (SIGTERM allows 10).
SHUTDOWN_TIMEOUT = 9.0


async def serve(
    settings: Settings, stop: asyncio.Event, *, dns: AbstractResolver | None = None
) -> None:
    """Run the notifier (`_serve`); stopped while waiting for the database at start, exit."""
    try:
        await _serve(settings, stop, dns)
    except StoppedWaiting:
        log.info("notifier_stopped", reason="stopped while waiting for the database")


async def _serve(settings: Settings, stop: asyncio.Event, dns: AbstractResolver | None) -> None:
    """Relay and deliver until `stop` is set, then shut down cleanly.

    On stop nothing new is claimed; in-flight requests get up to 8 s to finish
    and the leases of any still unfinished are released, so the whole shutdown
    fits in the 10 s a SIGTERM allows. If either loop crashes, the other is
    stopped the same way and the error is raised. `dns` replaces the resolver
    (tests); /metrics, /healthz and /readyz (red while the database is away) are
    served on BOUNCEFLOW_NOTIFIER_METRICS_PORT unless 0. While the database is away
    nothing is claimed or relayed; both loops resume when it answers again.
    """
    metrics_port = settings.notifier_metrics_port

    async def ready() -> dict[str, bool]:
        return {"database": await res.db.check()}

    async with (
        resources(settings, dns, stop) as res,
        serving(
            res.metrics,
            res.pool,
            settings.http_host,
            metrics_port,
            checks=ready,
        ),
    ):
        dispatcher = Dispatcher(res)
        relay = Relay(res, on_queued=dispatcher.wake.set)
        workers = [
            asyncio.create_task(relay.run(), name="notifier-relay"),
            asyncio.create_task(dispatcher.run(), name="notifier-dispatcher"),
        ]
        stopped = asyncio.create_task(stop.wait(), name="notifier-stop")
        log.info("notifier_started", concurrency=settings.notifier_concurrency)
        try:
            await asyncio.wait([stopped, *workers], return_when=asyncio.FIRST_COMPLETED)
        finally:
            relay.stop()
            dispatcher.stop()
            stopped.cancel()
            # the dispatcher bounds its own drain; this bounds a database that stopped answering
            _, late = await asyncio.wait(workers, timeout=SHUTDOWN_TIMEOUT)
            for task in late:
                log.warning("notifier_shutdown_forced", task=task.get_name())
                task.cancel()
            results = await asyncio.gather(*workers, stopped, return_exceptions=True)
        log.info("notifier_stopped")
        for result in results[: len(workers)]:
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                raise result
