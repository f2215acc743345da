"""Fixtures of the management API tests: a served ingest app and a `subscribers` key."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.settings import Settings
from tests.integration.api_kit import Client, bearer, make_key, start


@pytest.fixture
async def client(base_settings: Settings, db: asyncpg.Pool) -> AsyncIterator[Client]:
    c = await start(base_settings)
    yield c
    await c.close()


@pytest.fixture
async def auth(db: asyncpg.Pool) -> dict[str, str]:
    return bearer(await make_key(db, "subscribers"))
