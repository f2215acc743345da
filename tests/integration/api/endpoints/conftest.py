"""Fixtures of the outgoing-webhook route tests: an ingest app and a `webhooks` key."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.ingest.app import build_app
from shared.settings import Settings
from tests.integration.api.endpoints.kit import Client
from tests.integration.api_kit import bearer, make_key


@pytest.fixture
async def client(base_settings: Settings, db: asyncpg.Pool) -> AsyncIterator[Client]:
    c: Client = TestClient(TestServer(build_app(base_settings)))
    await c.start_server()
    yield c
    await c.close()


@pytest.fixture
async def auth(db: asyncpg.Pool) -> dict[str, str]:
    return bearer(await make_key(db, "webhooks"))
