"""Integration fixtures: a served ingest app and a `subscribers` key (API tests); fast
notifier settings, local receivers and in-process notifiers (notifier tests)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.abc import AbstractResolver

from services.notifier.app import serve
from shared.settings import Settings
from tests.integration.api_kit import Client, bearer, make_key, start
from tests.integration.notifier_kit import (
    Receiver,
    Respond,
    Running,
    StartNotifier,
    StartReceiver,
    always,
)


@pytest.fixture
async def client(base_settings: Settings, db: asyncpg.Pool) -> AsyncIterator[Client]:
    c = await start(base_settings)
    yield c
    await c.close()


@pytest.fixture
async def auth(db: asyncpg.Pool) -> dict[str, str]:
    return bearer(await make_key(db, "subscribers"))


@pytest.fixture
def fast(base_settings: Settings) -> Settings:
    return base_settings.model_copy(
        update={
            "notifier_retry_schedule": "0.2,0.2,0.2",
            "notifier_poll_interval": 0.1,
            "notifier_request_timeout": 3.0,
            "notifier_concurrency": 8,
        }
    )


@pytest.fixture
async def receiver_factory() -> AsyncIterator[StartReceiver]:
    started: list[Receiver] = []

    async def start(respond: Respond | None = None) -> Receiver:
        r = Receiver(respond or always(204))
        await r.start()
        started.append(r)
        return r

    yield start
    for r in started:
        await r.stop()


@pytest.fixture
async def notifier() -> AsyncIterator[StartNotifier]:
    running: list[Running] = []

    def start(settings: Settings, dns: AbstractResolver | None = None) -> Running:
        stop = asyncio.Event()
        r = Running(stop, asyncio.create_task(serve(settings, stop, dns=dns)))
        running.append(r)
        return r

    yield start
    for r in running:
        if not r.task.done():
            await r.shutdown()
        else:
            await r.task  # surface a crash
