"""Helpers shared by the management API tests: a served app, keys, and answer checks."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.ingest.app import build_app
from shared.apikeys import create_api_key
from shared.settings import Settings

ROUTES = [
    ("GET", "/api/v1/bounces"),
    ("POST", "/api/v1/bounces"),
    ("GET", "/api/v1/subscribers"),
    ("GET", "/api/v1/subscribers/a@example.com"),
    ("PATCH", "/api/v1/subscribers/a@example.com"),
    ("GET", "/api/v1/webhook-endpoints"),
    ("POST", "/api/v1/webhook-endpoints"),
    ("GET", "/api/v1/webhook-endpoints/1"),
]
Client = TestClient[web.Request, web.Application]
BOUNCE_FIELDS = {
    "id",
    "email",
    "bounce_type",
    "bounce_subtype",
    "source",
    "campaign_name",
    "subscriber_name",
    "created_at",
    "diagnostic_code",
}


async def start(settings: Settings) -> Client:
    client: Client = TestClient(TestServer(build_app(settings)))
    await client.start_server()
    return client


async def make_key(db: asyncpg.Pool, *scopes: str) -> str:
    async with db.acquire() as conn:
        return await create_api_key(conn, "test", scopes)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def report(client: Client, auth: dict[str, str], **body: Any) -> int:
    resp = await client.post("/api/v1/bounces", json=body, headers=auth)
    assert resp.status == 200, await resp.text()
    doc = await resp.json()
    assert doc["success"] is True
    return int(doc["data"]["bounce_id"])


async def error_of(resp: Any, status: int) -> dict[str, str]:
    assert resp.status == status, await resp.text()
    doc = await resp.json()
    assert doc["success"] is False
    return dict(doc["error"])
