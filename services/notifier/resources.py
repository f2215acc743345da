"""Notifier lifespan: the pool, the HTTP client session and the metrics, as one frozen
Resources."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import asyncpg
from aiohttp.abc import AbstractResolver

from services.notifier.guard import PublicOnlyResolver
from services.notifier.metrics import NotifierMetrics
from services.notifier.signing import USER_AGENT
from shared.db import create_pool_waiting
from shared.db_health import DatabaseHealth
from shared.settings import Settings

# Seconds allowed to open a TCP (and TLS) connection to an endpoint.
CONNECT_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class Resources:
    settings: Settings
    pool: asyncpg.Pool
    session: aiohttp.ClientSession
    metrics: NotifierMetrics
    db: DatabaseHealth


def client_session(
    settings: Settings, dns: AbstractResolver | None = None
) -> aiohttp.ClientSession:
    """The one HTTP client for all endpoints; call inside a running event loop.

    `dns` replaces aiohttp's default resolver (tests pass a stub); unless private
    endpoints are allowed, its answers go through PublicOnlyResolver.
    """
    resolver = dns if settings.allow_private_endpoints else PublicOnlyResolver(dns)
    connector = aiohttp.TCPConnector(
        # never more sockets than requests we allow in flight
        limit=settings.notifier_concurrency,
        resolver=resolver,
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(
            total=settings.notifier_request_timeout,
            # DNS, TCP and TLS together; sock_connect bounds each address tried
            connect=min(CONNECT_TIMEOUT, settings.notifier_request_timeout),
            sock_connect=min(CONNECT_TIMEOUT, settings.notifier_request_timeout),
        ),
        headers={"user-agent": USER_AGENT},
        # endpoints must not be able to set cookies that other endpoints would receive
        cookie_jar=aiohttp.DummyCookieJar(),
        # no proxy settings from the environment: Settings is the only configuration
        trust_env=False,
        raise_for_status=False,
    )


@contextlib.asynccontextmanager
async def resources(
    settings: Settings, dns: AbstractResolver | None = None, stop: asyncio.Event | None = None
) -> AsyncIterator[Resources]:
    """Open everything the notifier needs (waiting for a database that is away; raises
    shared.db.StoppedWaiting when `stop` is set meanwhile); close it all on exit."""
    pool = await create_pool_waiting(
        settings.database_url, settings.db_pool_size, stop, settings.db_probe_max_delay
    )
    try:
        session = client_session(settings, dns)
        try:
            health = DatabaseHealth(settings.database_url, pool, settings.db_probe_max_delay)
            try:
                yield Resources(settings, pool, session, NotifierMetrics.create(), health)
            finally:
                health.close()
        finally:
            await session.close()
    finally:
        await pool.close()
