"""The ingest app: resources made in cleanup_ctx, read through typed AppKeys; `serve` runs it."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator

import aiohttp
import structlog
from aiohttp import web

from services.ingest import state
from services.ingest.api.mount import add_api_routes
from services.ingest.errors import error_envelope
from services.ingest.providers import dsn
from services.ingest.providers import routes as provider_routes
from services.ingest.providers.publisher import Publisher
from services.ingest.providers.sns import CertificateCache
from shared.broker import Topology
from shared.db import create_pool_even_if_away
from shared.replay_guard import TokenClaims
from shared.settings import Settings

log = structlog.get_logger(__name__)


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[state.SETTINGS]
    # started while the database is away: webhooks are accepted, the API answers 503
    app[state.POOL] = await create_pool_even_if_away(settings.database_url, settings.db_pool_size)
    app[state.TOKEN_CLAIMS] = TokenClaims(app[state.POOL])
    yield
    await app[state.POOL].close()


async def _broker(app: web.Application) -> AsyncIterator[None]:
    settings = app[state.SETTINGS]
    topology = Topology(
        settings.amqp_prefix, settings.raw_queue_max_length, settings.delivery_limit
    )
    publisher = Publisher(settings.amqp_url, topology, settings.publish_timeout)
    publisher.start()
    app[state.PUBLISHER] = publisher
    yield
    await publisher.close()


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    timeout = aiohttp.ClientTimeout(total=10, connect=5)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        app[state.HTTP_CLIENT] = session
        app[state.SNS_CERTS] = CertificateCache(session, app[state.SETTINGS].sns_url_pattern)
        yield


def build_app(settings: Settings) -> web.Application:
    """The whole ingest HTTP app; resources open on startup and close on cleanup."""
    app = web.Application(client_max_size=settings.max_body_bytes, middlewares=[error_envelope])
    if settings.any_topic:
        log.warning(
            "sns_any_topic_insecure",
            setting="BOUNCEFLOW_SNS_TOPIC_ARNS=*",
            why="signed messages from any AWS account's topic are accepted",
        )
    app[state.SETTINGS] = settings
    app.cleanup_ctx.extend([_database, _broker, _http_client])
    app.add_routes(dsn.routes)  # before the generic /webhooks/{provider}
    app.add_routes(provider_routes.routes)
    add_api_routes(app)
    return app


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Serve HTTP until `stop` is set; in-flight requests get up to 8 s to finish."""
    runner = web.AppRunner(build_app(settings), shutdown_timeout=8, access_log=None)
    await runner.setup()
    # several workers (services/ingest/workers.py) share the port
    reuse = settings.ingest_worker_count > 1
    site = web.TCPSite(
        runner, settings.http_host, settings.http_port, backlog=1024, reuse_port=reuse or None
    )
    await site.start()
    # what startup made lives as long as the process: out of the collector's sight, so a
    # full collection (a 10,000-address check allocates enough to cause one) stays short
    gc.freeze()
    log.info("ingest_listening", host=settings.http_host, port=settings.http_port)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
