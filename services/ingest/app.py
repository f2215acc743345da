"""The ingest app: resources made in cleanup_ctx, read through typed AppKeys."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import structlog
from aiohttp import web

from services.ingest import keys, webhook_dsn, webhooks
from services.ingest.api.dashboard.routes import add_dashboard_routes
from services.ingest.api_routes import add_api_routes
from services.ingest.errors import error_envelope
from services.ingest.provider_auth import ProviderKeys, load_sendgrid_key
from services.ingest.publisher import Publisher
from services.ingest.sns_signature import CertificateCache
from shared.broker import Topology
from shared.db import create_pool_even_if_away
from shared.settings import Settings

log = structlog.get_logger(__name__)


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    # started while the database is away: webhooks are accepted, the API answers 503
    app[keys.POOL] = await create_pool_even_if_away(settings.database_url, settings.db_pool_size)
    yield
    await app[keys.POOL].close()


async def _broker(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    topology = Topology(
        settings.amqp_prefix, settings.raw_queue_max_length, settings.delivery_limit
    )
    publisher = Publisher(settings.amqp_url, topology, settings.publish_timeout)
    publisher.start()
    app[keys.PUBLISHER] = publisher
    yield
    await publisher.close()


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    timeout = aiohttp.ClientTimeout(total=10, connect=5)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        app[keys.HTTP_CLIENT] = session
        app[keys.SNS_CERTS] = CertificateCache(session, app[keys.SETTINGS].sns_url_pattern)
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
    app[keys.SETTINGS] = settings
    key = settings.sendgrid_public_key
    app[keys.PROVIDER_KEYS] = ProviderKeys(sendgrid=load_sendgrid_key(key) if key else None)
    app.cleanup_ctx.extend([_database, _broker, _http_client])
    app.add_routes(webhook_dsn.routes)  # before the generic /webhooks/{provider}
    app.add_routes(webhooks.routes)
    add_api_routes(app)
    add_dashboard_routes(app)
    return app
