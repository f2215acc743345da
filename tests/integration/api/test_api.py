"""Subscribers, webhook endpoints, health and metrics against a real Postgres.

The broker is connected in the background by the publisher; only /readyz needs it.
"""

from __future__ import annotations

import base64
from typing import Any

import asyncpg
import pytest

from services.ingest import state
from shared.settings import Settings
from tests.helpers import wait_for
from tests.integration.api_kit import (
    Client,
    bearer,
    error_of,
    make_key,
    report,
    start,
)

# --- subscribers -----------------------------------------------------------------


async def test_unknown_subscriber_is_404(client: Client, auth: dict[str, str]) -> None:
    resp = await client.get("/api/v1/subscribers/nobody@example.com", headers=auth)
    assert (await error_of(resp, 404))["code"] == "not_found"
    resp = await client.patch(
        "/api/v1/subscribers/nobody@example.com", json={"status": "active"}, headers=auth
    )
    await error_of(resp, 404)


async def test_reactivation_resets_the_streak(client: Client, auth: dict[str, str]) -> None:
    for _ in range(3):
        await report(client, auth, email="r@example.com", bounce_type="soft")
    resp = await client.patch(
        "/api/v1/subscribers/R@example.com", json={"status": "active"}, headers=auth
    )
    assert resp.status == 200
    sub = (await resp.json())["data"]
    assert (sub["status"], sub["soft_streak"], sub["bounce_count"]) == ("active", 0, 3)
    await report(client, auth, email="r@example.com", bounce_type="soft")
    sub = (await (await client.get("/api/v1/subscribers/r@example.com", headers=auth)).json())[
        "data"
    ]
    assert (sub["status"], sub["soft_streak"]) == ("active", 1)
    resp = await client.patch(
        "/api/v1/subscribers/r@example.com", json={"status": "gone"}, headers=auth
    )
    assert "'status'" in (await error_of(resp, 400))["message"]


async def test_list_subscribers_by_status(client: Client, auth: dict[str, str]) -> None:
    await report(client, auth, email="b@example.com", bounce_type="hard")
    await report(client, auth, email="s@example.com", bounce_type="soft")
    resp = await client.get("/api/v1/subscribers?status=bounced", headers=auth)
    data = (await resp.json())["data"]
    assert [s["email"] for s in data["subscribers"]] == ["b@example.com"]
    assert data["total"] == 1
    data = (await (await client.get("/api/v1/subscribers", headers=auth)).json())["data"]
    assert data["total"] == 2
    resp = await client.get("/api/v1/subscribers?status=nope", headers=auth)
    await error_of(resp, 400)


# --- webhook endpoints -----------------------------------------------------------


async def test_endpoint_secret_is_shown_once(client: Client, db: asyncpg.Pool) -> None:
    auth = bearer(await make_key(db, "webhooks"))
    resp = await client.post(
        "/api/v1/webhook-endpoints",
        json={"url": "http://127.0.0.1:9/hook", "description": "crm"},
        headers=auth,
    )
    assert resp.status == 201, await resp.text()
    created = (await resp.json())["data"]
    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) == 24
    assert created["events"] == ["email.bounced"]
    assert created["enabled"] is True
    assert created["created_at"].endswith("Z")
    assert await db.fetchval("SELECT secret FROM webhook_endpoints") == created["secret"]

    listed = (await (await client.get("/api/v1/webhook-endpoints", headers=auth)).json())["data"]
    assert [e["id"] for e in listed["endpoints"]] == [created["id"]]
    one = await client.get(f"/api/v1/webhook-endpoints/{created['id']}", headers=auth)
    assert one.status == 200
    for shown in (listed["endpoints"][0], (await one.json())["data"]):
        assert "secret" not in shown
        assert created["secret"] not in repr(shown)
        assert shown["url"] == "http://127.0.0.1:9/hook"
    missing = await client.get("/api/v1/webhook-endpoints/999", headers=auth)
    await error_of(missing, 404)


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://example.com/x"},
        {"url": "not a url"},
        {"url": "http://127.0.0.1/x", "events": ["email.opened"]},
        {"url": "http://127.0.0.1/x", "events": []},
        {"events": ["email.bounced"]},
    ],
)
async def test_bad_endpoint_bodies_are_400(
    client: Client, db: asyncpg.Pool, body: dict[str, Any]
) -> None:
    auth = bearer(await make_key(db, "webhooks"))
    resp = await client.post("/api/v1/webhook-endpoints", json=body, headers=auth)
    await error_of(resp, 400)
    assert await db.fetchval("SELECT count(*) FROM webhook_endpoints") == 0


async def test_private_urls_refused_unless_allowed(
    base_settings: Settings, db: asyncpg.Pool
) -> None:
    client = await start(base_settings.model_copy(update={"allow_private_endpoints": False}))
    try:
        auth = bearer(await make_key(db, "webhooks"))
        for url in (
            "http://127.0.0.1:8080/hook",
            "http://localhost/hook",
            "https://10.1.2.3/hook",
            "http://192.168.0.10/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "http://0.0.0.0/hook",
        ):
            resp = await client.post("/api/v1/webhook-endpoints", json={"url": url}, headers=auth)
            error = await error_of(resp, 400)
            assert "BOUNCEFLOW_ALLOW_PRIVATE_ENDPOINTS" in error["message"], url
        assert await db.fetchval("SELECT count(*) FROM webhook_endpoints") == 0
        # a public address literal needs no DNS and is accepted
        resp = await client.post(
            "/api/v1/webhook-endpoints", json={"url": "https://93.184.216.34/hook"}, headers=auth
        )
        assert resp.status == 201, await resp.text()
    finally:
        await client.close()


# --- health and metrics ----------------------------------------------------------


async def test_health_ready_and_metrics(client: Client, auth: dict[str, str]) -> None:
    resp = await client.get("/healthz")
    assert (resp.status, await resp.json()) == (200, {"status": "ok"})
    publisher = client.app[state.PUBLISHER]

    async def ready() -> bool:
        return bool(publisher.ready)

    await wait_for(ready, what="publisher connected")
    resp = await client.get("/readyz")
    assert resp.status == 200
    assert (await resp.json())["checks"] == {"database": "ok", "broker": "ok"}

    await client.get("/api/v1/bounces", headers=auth)
    await client.get("/api/v1/subscribers/x@example.com", headers=auth)
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain")
    text = await resp.text()
    assert (
        'bounceflow_http_requests_total{method="GET",route="/api/v1/bounces",status="200"} 1.0'
        in text
    )
    assert 'route="/api/v1/subscribers/{email}",status="404"' in text
    assert "x@example.com" not in text


async def test_readyz_is_503_without_a_broker(base_settings: Settings, db: asyncpg.Pool) -> None:
    settings = base_settings.model_copy(update={"amqp_url": "amqp://guest:guest@127.0.0.1:1/"})
    client = await start(settings)
    try:
        resp = await client.get("/readyz")
        assert resp.status == 503
        doc = await resp.json()
        assert doc["checks"] == {"database": "ok", "broker": "unavailable"}
    finally:
        await client.close()
