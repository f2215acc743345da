"""The management API against a real Postgres: auth, bounces, subscribers, endpoints, health.

The broker is connected in the background by the publisher; only /readyz needs it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.ingest import keys
from services.ingest.app import build_app
from shared.apikeys import create_api_key, revoke_api_key
from shared.settings import Settings
from tests.helpers import wait_for

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


@pytest.fixture
async def client(base_settings: Settings, db: asyncpg.Pool) -> AsyncIterator[Client]:
    c = await start(base_settings)
    yield c
    await c.close()


async def make_key(db: asyncpg.Pool, *scopes: str) -> str:
    async with db.acquire() as conn:
        return await create_api_key(conn, "test", scopes)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
async def auth(db: asyncpg.Pool) -> dict[str, str]:
    return bearer(await make_key(db, "subscribers"))


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


# --- auth ------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_every_route_needs_a_key(
    client: Client, db: asyncpg.Pool, method: str, path: str
) -> None:
    for headers in (
        {},
        bearer("bf_" + "x" * 43),
        bearer("not-even-our-format"),
        {"Authorization": "Basic " + base64.b64encode(b"api:bf_wrong").decode()},
    ):
        resp = await client.request(method, path, headers=headers, json={})
        error = await error_of(resp, 401)
        assert error["code"] == "unauthorized"
        assert resp.headers["WWW-Authenticate"] == 'Basic realm="bounceflow"'


async def test_missing_scope_is_403_naming_it(client: Client, db: asyncpg.Pool) -> None:
    webhooks_only = bearer(await make_key(db, "webhooks"))
    for method, path in ROUTES[:5]:
        resp = await client.request(method, path, headers=webhooks_only, json={})
        error = await error_of(resp, 403)
        assert error == {"code": "forbidden", "message": "Required permission: subscribers"}
    subscribers_only = bearer(await make_key(db, "subscribers"))
    resp = await client.get("/api/v1/webhook-endpoints", headers=subscribers_only)
    assert (await error_of(resp, 403))["message"] == "Required permission: webhooks"


async def test_admin_key_reaches_every_scope(client: Client, db: asyncpg.Pool) -> None:
    admin = bearer(await make_key(db, "admin"))
    assert (await client.get("/api/v1/bounces", headers=admin)).status == 200
    assert (await client.get("/api/v1/webhook-endpoints", headers=admin)).status == 200


async def test_basic_auth_with_user_api(client: Client, db: asyncpg.Pool) -> None:
    key = await make_key(db, "subscribers")
    good = "Basic " + base64.b64encode(f"api:{key}".encode()).decode()
    assert (await client.get("/api/v1/bounces", headers={"Authorization": good})).status == 200
    other_user = "Basic " + base64.b64encode(f"admin:{key}".encode()).decode()
    resp = await client.get("/api/v1/bounces", headers={"Authorization": other_user})
    assert resp.status == 401


async def test_revoked_key_is_refused(client: Client, db: asyncpg.Pool) -> None:
    key = await make_key(db, "subscribers")
    assert (await client.get("/api/v1/bounces", headers=bearer(key))).status == 200
    key_id = await db.fetchval("SELECT id FROM api_keys")
    async with db.acquire() as conn:
        assert await revoke_api_key(conn, key_id) is True
        assert await revoke_api_key(conn, key_id) is False
    assert (await client.get("/api/v1/bounces", headers=bearer(key))).status == 401


async def test_keys_are_stored_hashed(db: asyncpg.Pool) -> None:
    key = await make_key(db, "subscribers", "webhooks")
    row = await db.fetchrow("SELECT * FROM api_keys")
    assert row is not None
    assert key not in repr(dict(row))
    assert bytes(row["key_hash"]) == hashlib.sha256(key.encode()).digest()
    assert row["prefix"] == key[:8]
    assert row["scopes"] == ["subscribers", "webhooks"]
    dump = await db.fetchval("SELECT string_agg(t::text, '') FROM api_keys t")
    assert key not in dump
    assert key[8:] not in dump


async def test_unknown_scope_is_refused(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        with pytest.raises(ValueError, match="unknown scope"):
            await create_api_key(conn, "x", ["bounces"])
    assert await db.fetchval("SELECT count(*) FROM api_keys") == 0


# --- bounces ---------------------------------------------------------------------


async def test_hard_bounce_report_applies_policy_and_is_listed(
    client: Client, auth: dict[str, str]
) -> None:
    bounce_id = await report(
        client,
        auth,
        email="Invalid@Example.com",
        bounce_type="hard",
        bounce_subtype="NoEmail",
        diagnostic_code="550 5.1.1 user unknown",
    )
    resp = await client.get("/api/v1/subscribers/INVALID@example.com", headers=auth)
    assert resp.status == 200
    sub = (await resp.json())["data"]
    assert sub["email"] == "invalid@example.com"
    assert sub["status"] == "bounced"
    assert sub["bounce_count"] == 1
    assert sub["last_bounce_at"].endswith("Z")
    assert sub["status_changed_at"].endswith("Z")

    resp = await client.get("/api/v1/bounces", headers=auth)
    assert resp.status == 200
    doc = await resp.json()
    assert doc["success"] is True
    assert set(doc["data"]) == {"bounces", "total", "limit", "offset", "next_cursor"}
    assert (doc["data"]["total"], doc["data"]["limit"], doc["data"]["offset"]) == (1, 20, 0)
    (bounce,) = doc["data"]["bounces"]
    assert set(bounce) == BOUNCE_FIELDS
    assert bounce["id"] == bounce_id
    assert bounce["email"] == "invalid@example.com"
    assert bounce["bounce_type"] == "hard"
    assert bounce["bounce_subtype"] == "NoEmail"
    assert bounce["source"] == "api"
    assert bounce["diagnostic_code"] == "550 5.1.1 user unknown"
    assert bounce["campaign_name"] is None
    assert len(bounce["created_at"]) == len("2026-01-10T12:00:00Z")
    assert bounce["created_at"].endswith("Z")


async def test_three_soft_bounces_make_bounced(client: Client, auth: dict[str, str]) -> None:
    path = "/api/v1/subscribers/soft@example.com"
    for i in range(3):
        await report(client, auth, email="soft@example.com", bounce_type="soft")
        sub = (await (await client.get(path, headers=auth)).json())["data"]
        assert sub["soft_streak"] == i + 1
        assert sub["status"] == ("bounced" if i == 2 else "active")


async def test_complaint_unsubscribes(client: Client, auth: dict[str, str]) -> None:
    await report(client, auth, email="c@example.com", bounce_type="complaint")
    resp = await client.get("/api/v1/subscribers/c@example.com", headers=auth)
    assert (await resp.json())["data"]["status"] == "unsubscribed"


async def test_idempotency_key_replays_the_stored_response(
    client: Client, db: asyncpg.Pool, auth: dict[str, str]
) -> None:
    body = {"email": "i@example.com", "bounce_type": "soft"}
    headers = {**auth, "Idempotency-Key": "req-1"}
    first = await client.post("/api/v1/bounces", json=body, headers=headers)
    second = await client.post("/api/v1/bounces", json=body, headers=headers)
    assert first.status == second.status == 200
    assert await first.json() == await second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert await db.fetchval("SELECT count(*) FROM events") == 1
    assert await db.fetchval("SELECT soft_streak FROM subscribers") == 1
    # the same key with another body is refused, not replayed
    other = await client.post(
        "/api/v1/bounces", json={**body, "bounce_type": "hard"}, headers=headers
    )
    assert (await error_of(other, 422))["code"] == "idempotency_key_reused"
    # keys are per API key: another key's "req-1" is a new request
    other_key = {**bearer(await make_key(db, "subscribers")), "Idempotency-Key": "req-1"}
    third = await client.post("/api/v1/bounces", json=body, headers=other_key)
    assert third.status == 200
    assert await db.fetchval("SELECT count(*) FROM events") == 2


async def test_concurrent_requests_with_one_idempotency_key_have_one_effect(
    client: Client, db: asyncpg.Pool, auth: dict[str, str]
) -> None:
    headers = {**auth, "Idempotency-Key": "race"}
    body = {"email": "race@example.com", "bounce_type": "hard"}
    responses = await asyncio.gather(
        *(client.post("/api/v1/bounces", json=body, headers=headers) for _ in range(5))
    )
    ids = {(await r.json())["data"]["bounce_id"] for r in responses}
    assert [r.status for r in responses] == [200] * 5
    assert len(ids) == 1
    assert await db.fetchval("SELECT count(*) FROM events") == 1
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE event_type = 'email.bounced'") == 1


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("offset=-1", "offset"),
        ("offset=1000001", "offset"),
        ("offset=99999999999999999999999", "offset"),
        ("limit=", "limit"),
        ("bounce_type=bogus", "bounce_type"),
        ("source=carrier-pigeon", "source"),
        ("since=yesterday", "since"),
        ("since=2026-01-10", "since"),
        ("until=1700000000", "until"),
        ("until=2026-01-10T12:00:00", "until"),
        ("after=not-a-cursor", "after"),
        ("email=a%00b", "email"),
    ],
)
async def test_bad_paging_and_filters_are_400(
    client: Client, auth: dict[str, str], query: str, parameter: str
) -> None:
    resp = await client.get(f"/api/v1/bounces?{query}", headers=auth)
    error = await error_of(resp, 400)
    assert error["code"] == "bad_request"
    assert f"'{parameter}'" in error["message"]


async def test_paging_and_filters(client: Client, auth: dict[str, str]) -> None:
    ids = [
        await report(client, auth, email=f"u{i}@example.com", bounce_type=kind)
        for i, kind in enumerate(["hard", "soft", "complaint", "soft", "hard"])
    ]
    resp = await client.get("/api/v1/bounces?limit=2&offset=1", headers=auth)
    data = (await resp.json())["data"]
    assert [b["id"] for b in data["bounces"]] == [ids[3], ids[2]]  # newest first
    assert (data["total"], data["limit"], data["offset"]) == (5, 2, 1)
    data = (await (await client.get("/api/v1/bounces?offset=50", headers=auth)).json())["data"]
    assert (data["bounces"], data["total"]) == ([], 5)
    data = (await (await client.get("/api/v1/bounces?bounce_type=soft", headers=auth)).json())[
        "data"
    ]
    assert [b["id"] for b in data["bounces"]] == [ids[3], ids[1]]
    data = (await (await client.get("/api/v1/bounces?email=U2@Example.COM", headers=auth)).json())[
        "data"
    ]
    assert [b["id"] for b in data["bounces"]] == [ids[2]]
    data = (await (await client.get("/api/v1/bounces?source=ses", headers=auth)).json())["data"]
    assert data["total"] == 0


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"bounce_type": "hard"}',
        b'{"email": "a@example.com"}',
        b'{"email": "a@example.com", "bounce_type": "bogus"}',
        b'{"email": "no-at-sign", "bounce_type": "hard"}',
        b'{"email": "two@@example.com", "bounce_type": "hard"}',
        b'{"email": "sp ace@example.com", "bounce_type": "hard"}',
    ],
)
async def test_bad_report_bodies_are_400(
    client: Client, db: asyncpg.Pool, auth: dict[str, str], body: bytes
) -> None:
    resp = await client.post("/api/v1/bounces", data=body, headers=auth)
    await error_of(resp, 400)
    assert await db.fetchval("SELECT count(*) FROM events") == 0


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
    publisher = client.app[keys.PUBLISHER]

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


# --- every route, from the OpenAPI document --------------------------------------

CONCRETE = {
    "{email}": "a@example.com",
    "{address}": "a@example.com",
    "{domain}": "example.com",
    "{id}": "1",
}


def secured_operations(app: web.Application) -> list[tuple[str, str, str]]:
    """(method, concrete path, scope) of every authenticated operation the app has."""
    from services.ingest.api_docs import spec_of

    out = []
    for path, item in spec_of(app)["paths"].items():
        for method, op in item.items():
            if "x-required-scope" in op:
                for name, value in CONCRETE.items():
                    path = path.replace(name, value)
                out.append((method.upper(), path, op["x-required-scope"]))
    return out


def error_message(doc: dict[str, Any]) -> str:
    """The message of either error shape: the /api/v1 envelope or Mailgun's."""
    return str(doc["error"]["message"] if "error" in doc else doc["message"])


async def test_every_described_route_needs_a_key_and_its_scope(
    client: Client, db: asyncpg.Pool
) -> None:
    operations = secured_operations(client.app)
    paths = {path for _, path, _ in operations}
    # the new routes are all there (and so covered below)
    for expected in (
        "/api/v1/suppressions/a@example.com",
        "/api/v1/suppressions/check",
        "/api/v1/suppressions/import",
        "/api/v1/suppressions/export",
        "/api/v1/stats",
        "/v3/example.com/bounces",
        "/v2/example.com/bounces/a@example.com",
    ):
        assert expected in paths
    other_scope = {
        "subscribers": bearer(await make_key(db, "webhooks")),
        "webhooks": bearer(await make_key(db, "subscribers")),
    }
    for method, path, scope in operations:
        for headers in ({}, bearer("bf_" + "y" * 43)):
            resp = await client.request(method, path, headers=headers, json={})
            assert resp.status == 401, (method, path)
            assert resp.headers["WWW-Authenticate"] == 'Basic realm="bounceflow"'
            doc = await resp.json()
            assert ("success" in doc) == path.startswith("/api/"), (method, path, doc)
        resp = await client.request(method, path, headers=other_scope[scope], json={})
        assert resp.status == 403, (method, path)
        assert error_message(await resp.json()) == f"Required permission: {scope}"


async def test_every_api_route_is_described(client: Client) -> None:
    from services.ingest.operations import routes_of

    _, bare = routes_of(client.app)
    # provider webhooks (CONTRACT §3) are signed by the providers, not part of this API
    assert [r for r in bare if not r[1].startswith("/api/v1/webhooks/")] == []


# --- keyset paging and time windows ----------------------------------------------


async def test_cursor_pages_match_offset_pages(client: Client, auth: dict[str, str]) -> None:
    ids = [
        await report(client, auth, email=f"p{i}@example.com", bounce_type="soft") for i in range(7)
    ]
    seen: list[int] = []
    url = "/api/v1/bounces?limit=3"
    while True:
        data = (await (await client.get(url, headers=auth)).json())["data"]
        assert data["total"] == 7
        seen += [b["id"] for b in data["bounces"]]
        if data["next_cursor"] is None:
            break
        url = f"/api/v1/bounces?limit=3&after={data['next_cursor']}"
    assert seen == ids[::-1]
    by_offset = await (await client.get("/api/v1/bounces?limit=3&offset=3", headers=auth)).json()
    assert [b["id"] for b in by_offset["data"]["bounces"]] == ids[::-1][3:6]
    # the cursor is opaque, but any well-formed one is a position: past the end is empty
    data = await (await client.get("/api/v1/bounces?after=0000000000000001", headers=auth)).json()
    assert data["data"]["bounces"] == []
    resp = await client.get(f"/api/v1/bounces?after={'0' * 16}&offset=3", headers=auth)
    assert "either 'offset' or 'after'" in (await error_of(resp, 422))["message"]


async def test_since_and_until_filter_on_event_time(
    client: Client, db: asyncpg.Pool, auth: dict[str, str]
) -> None:
    await report(client, auth, email="t1@example.com", bounce_type="hard")
    await report(client, auth, email="t2@example.com", bounce_type="hard")
    await db.execute(
        "UPDATE events SET occurred_at = '2026-01-10T12:00:00Z' WHERE email = 't1@example.com'"
    )
    base = "/api/v1/bounces?since=2026-01-10T00:00:00Z&until=2026-01-11T00:00:00%2B00:00"
    data = (await (await client.get(base, headers=auth)).json())["data"]
    assert [b["email"] for b in data["bounces"]] == ["t1@example.com"]
    assert data["bounces"][0]["created_at"] == "2026-01-10T12:00:00Z"
    data = (
        await (await client.get("/api/v1/bounces?since=2026-01-10T12:00:01Z", headers=auth)).json()
    )["data"]
    assert [b["email"] for b in data["bounces"]] == ["t2@example.com"]
    resp = await client.get(
        "/api/v1/bounces?since=2026-01-11T00:00:00Z&until=2026-01-10T00:00:00Z", headers=auth
    )
    assert "'until' must be after 'since'" in (await error_of(resp, 422))["message"]
