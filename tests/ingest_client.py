"""The ingest app under test, with the raw-message route, and API keys for it."""

from __future__ import annotations

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.ingest import state
from services.ingest.app import build_app
from services.ingest.providers import dsn
from shared.apikeys import create_api_key
from shared.settings import Settings
from tests.helpers import wait_for

DSN_URL = "/api/v1/webhooks/dsn"


def ingest_app(settings: Settings) -> web.Application:
    """The ingest app with POST /api/v1/webhooks/dsn (added here if app.py does not yet)."""
    app = build_app(settings)
    if not any(r.canonical == DSN_URL for r in app.router.resources()):
        app.add_routes(dsn.routes)
    return app


async def started(settings: Settings) -> TestClient:
    """A test client on a running ingest app whose publisher is connected."""
    client = TestClient(TestServer(ingest_app(settings)))
    await client.start_server()

    async def ready() -> bool:
        return client.app[state.PUBLISHER].ready

    await wait_for(ready, what="publisher connected")
    return client


async def api_key(db: asyncpg.Pool, *scopes: str) -> dict[str, str]:
    """Authorization header of a new API key with `scopes`."""
    async with db.acquire() as conn:
        key = await create_api_key(conn, "test", scopes)
    return {"Authorization": f"Bearer {key}"}
