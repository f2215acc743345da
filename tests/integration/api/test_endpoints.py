"""The outgoing-webhook management routes against a real Postgres: change, delete and
rotate endpoints, the attempt log with paging, retry and bulk replay, and the SSRF
check at registration (CONTRACT §5)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.ingest.api.endpoints import routes as api_endpoints
from services.ingest.app import build_app
from shared import netguard
from shared.outbox import OUTBOX_CHANNEL
from shared.settings import Settings
from tests.integration.api_kit import bearer, error_of, make_key

Client = TestClient[web.Request, web.Application]
EP = "/api/v1/webhook-endpoints"


@pytest.fixture
async def client(base_settings: Settings, db: asyncpg.Pool) -> AsyncIterator[Client]:
    c: Client = TestClient(TestServer(build_app(base_settings)))
    await c.start_server()
    yield c
    await c.close()


@pytest.fixture
async def auth(db: asyncpg.Pool) -> dict[str, str]:
    return bearer(await make_key(db, "webhooks"))


async def create(client: Client, auth: dict[str, str], **body: Any) -> dict[str, Any]:
    resp = await client.post(EP, json={"url": "http://127.0.0.1:9/hook", **body}, headers=auth)
    assert resp.status == 201, await resp.text()
    return dict((await resp.json())["data"])


async def data(resp: Any, status: int = 200) -> Any:
    assert resp.status == status, await resp.text()
    doc = await resp.json()
    assert doc["success"] is True
    return doc["data"]


async def add_delivery(
    db: asyncpg.Pool,
    endpoint_id: int,
    *,
    status: str = "failed",
    attempts: int = 0,
    created_at: datetime | None = None,
    locked: bool = False,
) -> int:
    msg_id = "msg_" + uuid.uuid4().hex
    outbox_id = await db.fetchval(
        "INSERT INTO outbox (message_id, event_type, payload, relayed_at)"
        " VALUES ($1, 'email.bounced', '{}'::jsonb, now()) RETURNING id",
        msg_id,
    )
    return int(
        await db.fetchval(
            "INSERT INTO webhook_deliveries (outbox_id, endpoint_id, message_id, event_type,"
            " status, attempts, created_at, next_attempt_at, locked_until, completed_at)"
            " VALUES ($1, $2, $3, 'email.bounced', $4, $5, COALESCE($6, now()),"
            " now() + interval '1 hour', CASE WHEN $7 THEN now() + interval '1 minute' END,"
            " CASE WHEN $4 <> 'pending' THEN now() END) RETURNING id",
            outbox_id,
            endpoint_id,
            msg_id,
            status,
            attempts,
            created_at,
            locked,
        )
    )


# --- change, delete, rotate -------------------------------------------------------


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


async def test_deliveries_with_attempts_newest_first_and_paged(
    client: Client, auth: dict[str, str], db: asyncpg.Pool
) -> None:
    created = await create(client, auth)
    other = await create(client, auth)
    ids = [await add_delivery(db, created["id"], attempts=2) for _ in range(5)]
    await add_delivery(db, other["id"])
    pending = await add_delivery(db, created["id"], status="pending", attempts=1)
    for delivery_id in ids[:2]:
        await db.execute(
            "INSERT INTO webhook_attempts (delivery_id, status_code, latency_ms, error,"
            " response_body) VALUES ($1, NULL, 5000.5, 'timed out', NULL),"
            " ($1, 503, 12.25, NULL, $2)",
            delivery_id,
            "x" * 2048,
        )
    path = f"{EP}/{created['id']}/deliveries"
    first = await data(await client.get(path, params={"limit": "4"}, headers=auth))
    assert [d["id"] for d in first["deliveries"]] == [pending, *ids[::-1][:3]]
    assert first["next_cursor"]
    second = await data(
        await client.get(path, params={"limit": "4", "after": first["next_cursor"]}, headers=auth)
    )
    assert [d["id"] for d in second["deliveries"]] == ids[1::-1]
    assert second["next_cursor"] is None

    oldest = second["deliveries"][-1]
    assert oldest["webhook_id"].startswith("msg_")
    assert (oldest["status"], oldest["attempt_count"], oldest["next_attempt_at"]) == (
        "failed",
        2,
        None,
    )
    timed_out, answered = oldest["attempts"]
    assert (timed_out["status_code"], timed_out["error"], timed_out["latency_ms"]) == (
        None,
        "timed out",
        5000.5,
    )
    assert (answered["status_code"], len(answered["response_body"])) == (503, 2048)
    assert answered["attempted_at"].endswith("Z")
    assert "." in answered["attempted_at"]  # milliseconds
    assert first["deliveries"][0]["next_attempt_at"] is not None

    failed_only = await data(await client.get(path, params={"status": "pending"}, headers=auth))
    assert [d["id"] for d in failed_only["deliveries"]] == [pending]
    await error_of(await client.get(f"{EP}/999/deliveries", headers=auth), 404)
    await error_of(await client.get(path, params={"limit": "0"}, headers=auth), 400)
    await error_of(await client.get(path, params={"after": "zz"}, headers=auth), 400)


# --- retry and replay ---------------------------------------------------------------


async def test_retry_requeues_with_the_same_webhook_id(
    client: Client, auth: dict[str, str], db: asyncpg.Pool
) -> None:
    created = await create(client, auth)
    failed = await add_delivery(db, created["id"], status="failed", attempts=8)
    succeeded = await add_delivery(db, created["id"], status="succeeded", attempts=1)
    waiting = await add_delivery(db, created["id"], status="pending", attempts=2)
    in_flight = await add_delivery(db, created["id"], status="pending", locked=True)
    before = await db.fetchval("SELECT message_id FROM webhook_deliveries WHERE id = $1", failed)

    for delivery_id, schedule_start in ((failed, 8), (succeeded, 1), (waiting, 0)):
        shown = await data(
            await client.post(f"/api/v1/webhook-deliveries/{delivery_id}/retry", headers=auth), 202
        )
        assert shown["status"] == "pending"
        assert shown["completed_at"] is None
        row = await db.fetchrow(
            "SELECT message_id, schedule_start, next_attempt_at <= now() AS due, locked_until"
            " FROM webhook_deliveries WHERE id = $1",
            delivery_id,
        )
        assert row is not None
        assert (row["schedule_start"], row["due"], row["locked_until"]) == (
            schedule_start,
            True,
            None,
        )
        assert shown["webhook_id"] == row["message_id"]
    assert await db.fetchval("SELECT message_id FROM webhook_deliveries WHERE id = $1", failed) == (
        before
    )
    conflict = await error_of(
        await client.post(f"/api/v1/webhook-deliveries/{in_flight}/retry", headers=auth), 409
    )
    assert "being sent" in conflict["message"]
    await error_of(await client.post("/api/v1/webhook-deliveries/999/retry", headers=auth), 404)


async def test_replay_requeues_failed_deliveries_since_a_time(
    client: Client, auth: dict[str, str], db: asyncpg.Pool
) -> None:
    created = await create(client, auth)
    other = await create(client, auth)
    now = datetime.now(UTC)
    old = await add_delivery(db, created["id"], created_at=now - timedelta(hours=3))
    recent = [
        await add_delivery(db, created["id"], attempts=8, created_at=now - timedelta(minutes=m))
        for m in (50, 10)
    ]
    done = await add_delivery(db, created["id"], status="succeeded", created_at=now)
    elsewhere = await add_delivery(db, other["id"], created_at=now)
    since = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    path = f"{EP}/{created['id']}/replay"
    replayed = await data(await client.post(path, json={"since": since}, headers=auth), 202)
    assert replayed == {"endpoint_id": created["id"], "since": since, "replayed": 2}
    rows = {
        r["id"]: (r["status"], r["schedule_start"])
        for r in await db.fetch("SELECT id, status, schedule_start FROM webhook_deliveries")
    }
    assert rows[recent[0]] == rows[recent[1]] == ("pending", 8)
    assert rows[old][0] == "failed"
    assert rows[done][0] == "succeeded"
    assert rows[elsewhere][0] == "failed"
    again = await data(await client.post(path, json={"since": since}, headers=auth), 202)
    assert again["replayed"] == 0
    for bad in ({}, {"since": "yesterday"}, {"since": 1700000000}):
        await error_of(await client.post(path, json=bad, headers=auth), 400)
    await error_of(await client.post(f"{EP}/999/replay", json={"since": since}, headers=auth), 404)


# --- SSRF at registration -----------------------------------------------------------

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
