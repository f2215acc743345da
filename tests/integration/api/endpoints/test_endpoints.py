"""The outgoing-webhook endpoint routes against a real Postgres: change, delete and
rotate endpoints, and the SSRF check at registration (CONTRACT §5)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.ingest.api.endpoints import routes as api_endpoints
from services.ingest.app import build_app
from shared import netguard
from shared.outbox import OUTBOX_CHANNEL
from shared.settings import Settings
from tests.integration.api.endpoints.kit import EP, Client, add_delivery, create, data
from tests.integration.api_kit import error_of


async def test_patch_changes_only_what_is_given(
    client: Client, auth: dict[str, str], db: asyncpg.Pool
) -> None:
    created = await create(client, auth, description="crm")
    path = f"{EP}/{created['id']}"
    changed = await data(
        await client.patch(
            path,
            json={"url": "http://127.0.0.1:10/new", "events": ["email.complained"] * 2},
            headers=auth,
        )
    )
    assert changed["url"] == "http://127.0.0.1:10/new"
    assert changed["events"] == ["email.complained"]
    assert changed["description"] == "crm"
    assert "secret" not in changed
    same = await data(await client.patch(path, json={}, headers=auth))
    assert same == changed
    nulls = await data(await client.patch(path, json={"url": None, "enabled": None}, headers=auth))
    assert nulls == changed
    await error_of(await client.patch(f"{EP}/999", json={}, headers=auth), 404)
    bad_bodies: list[dict[str, Any]] = [
        {"url": "ftp://x/y"},
        {"events": []},
        {"events": ["email.opened"]},
        {"enabled": 1},
    ]
    for bad in bad_bodies:
        await error_of(await client.patch(path, json=bad, headers=auth), 400)
    assert (await data(await client.get(path, headers=auth)))["url"] == changed["url"]


async def test_enabling_clears_the_disabled_reason_and_failure_streak(
    client: Client, auth: dict[str, str], db: asyncpg.Pool, database_url: str
) -> None:
    created = await create(client, auth)
    path = f"{EP}/{created['id']}"
    disabled = await data(await client.patch(path, json={"enabled": False}, headers=auth))
    assert (disabled["enabled"], disabled["disabled_reason"]) == (False, "disabled via the API")
    await db.execute(
        "UPDATE webhook_endpoints SET disabled_reason = 'endpoint answered 410 Gone',"
        " failing_since = now() - interval '1 day'"
    )
    shown = await data(await client.get(path, headers=auth))
    assert shown["disabled_reason"] == "endpoint answered 410 Gone"
    # disabling again keeps the first reason
    again = await data(await client.patch(path, json={"enabled": False}, headers=auth))
    assert again["disabled_reason"] == "endpoint answered 410 Gone"

    listener = await asyncpg.connect(database_url)
    woke = asyncio.Event()
    await listener.add_listener(OUTBOX_CHANNEL, lambda *_: woke.set())
    try:
        enabled = await data(await client.patch(path, json={"enabled": True}, headers=auth))
        await asyncio.wait_for(woke.wait(), 5)  # the notifier is told at once
    finally:
        await listener.close()
    assert (enabled["enabled"], enabled["disabled_reason"]) == (True, None)
    assert await db.fetchval("SELECT failing_since FROM webhook_endpoints") is None


async def test_delete_removes_the_endpoint_and_its_log(
    client: Client, auth: dict[str, str], db: asyncpg.Pool
) -> None:
    created = await create(client, auth)
    delivery = await add_delivery(db, created["id"])
    await db.execute(
        "INSERT INTO webhook_attempts (delivery_id, status_code, latency_ms) VALUES ($1, 500, 3)",
        delivery,
    )
    path = f"{EP}/{created['id']}"
    assert await data(await client.delete(path, headers=auth)) == {
        "id": created["id"],
        "deleted": True,
    }
    await error_of(await client.get(path, headers=auth), 404)
    await error_of(await client.delete(path, headers=auth), 404)
    assert await db.fetchval("SELECT count(*) FROM webhook_deliveries") == 0
    assert await db.fetchval("SELECT count(*) FROM webhook_attempts") == 0
    assert await db.fetchval("SELECT count(*) FROM outbox") == 1  # the message itself stays


async def test_rotation_shows_the_new_secret_once_and_keeps_the_old_a_day(
    client: Client, auth: dict[str, str], db: asyncpg.Pool
) -> None:
    created = await create(client, auth)
    path = f"{EP}/{created['id']}/rotate-secret"
    rotated = await data(await client.post(path, headers=auth))
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != created["secret"]
    row = await db.fetchrow(
        "SELECT secret, previous_secret, previous_secret_expires_at - now() AS left"
        " FROM webhook_endpoints"
    )
    assert row is not None
    assert (row["secret"], row["previous_secret"]) == (rotated["secret"], created["secret"])
    assert timedelta(hours=23, minutes=59) < row["left"] <= timedelta(hours=24)
    assert rotated["previous_secret_expires_at"].endswith("Z")
    shown = await (await client.get(f"{EP}/{created['id']}", headers=auth)).text()
    assert rotated["secret"] not in shown
    assert created["secret"] not in shown
    await error_of(await client.post(f"{EP}/999/rotate-secret", headers=auth), 404)


# --- the attempt log ----------------------------------------------------------------


PRIVATE_URLS = [
    "http://127.0.0.1/hook",
    "http://127.0.0.1:8080/hook",
    "http://10.0.0.1/hook",
    "https://10.255.1.2/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[64:ff9b::a9fe:a9fe]/hook",
    "http://100.64.1.1/hook",
    "http://localhost/hook",  # a name resolving to loopback (real DNS: /etc/hosts)
    "http://internal.example/hook",  # names resolving to private addresses (stub below)
    "http://metadata.example/hook",
    "http://mixed.example/hook",
]

STUB_DNS = {
    "internal.example": ["10.0.0.7"],
    "metadata.example": ["169.254.169.254"],
    "mixed.example": ["93.184.216.34", "10.1.1.1"],  # one private answer is enough
    "public.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
}


@pytest.fixture
async def guarded(
    base_settings: Settings, db: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Client]:
    real = api_endpoints.resolve_host

    async def stub(host: str, port: int) -> list[netguard.IPAddress]:
        if host in STUB_DNS:
            return [netguard.ip_address(a) for a in STUB_DNS[host]]
        return await real(host, port)

    monkeypatch.setattr(api_endpoints, "resolve_host", stub)
    settings = base_settings.model_copy(update={"allow_private_endpoints": False})
    c: Client = TestClient(TestServer(build_app(settings)))
    await c.start_server()
    yield c
    await c.close()


@pytest.mark.parametrize("url", PRIVATE_URLS)
async def test_private_destinations_refused_at_registration(
    guarded: Client, auth: dict[str, str], db: asyncpg.Pool, url: str
) -> None:
    error = await error_of(await guarded.post(EP, json={"url": url}, headers=auth), 400)
    assert error["code"] == "invalid_url"
    assert "BOUNCEFLOW_ALLOW_PRIVATE_ENDPOINTS" in error["message"]
    assert await db.fetchval("SELECT count(*) FROM webhook_endpoints") == 0


async def test_public_destinations_accepted_and_patch_checked_too(
    guarded: Client, auth: dict[str, str], db: asyncpg.Pool
) -> None:
    created = await create(guarded, auth, url="https://public.example/hook")
    path = f"{EP}/{created['id']}"
    for url in ("http://169.254.169.254/", "http://internal.example/x", "http://[::1]:9/"):
        error = await error_of(await guarded.patch(path, json={"url": url}, headers=auth), 400)
        assert "BOUNCEFLOW_ALLOW_PRIVATE_ENDPOINTS" in error["message"]
    unknown = await error_of(
        await guarded.post(EP, json={"url": "http://no-such-host.invalid/"}, headers=auth), 400
    )
    assert "does not resolve" in unknown["message"]
    assert await db.fetchval("SELECT url FROM webhook_endpoints") == "https://public.example/hook"
