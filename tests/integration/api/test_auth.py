"""API keys on every route: 401 without, 403 naming the missing scope, stored hashed."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import asyncpg
import pytest
from aiohttp import web

from shared.apikeys import create_api_key, revoke_api_key
from tests.integration.api_kit import (
    ROUTES,
    Client,
    bearer,
    error_of,
    make_key,
)

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


# --- every route, from the OpenAPI document --------------------------------------

CONCRETE = {
    "{email}": "a@example.com",
    "{address}": "a@example.com",
    "{domain}": "example.com",
    "{id}": "1",
}


def secured_operations(app: web.Application) -> list[tuple[str, str, str]]:
    """(method, concrete path, scope) of every authenticated operation the app has."""
    from services.ingest.api.openapi.routes import spec_of

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
    from services.ingest.api.operations import routes_of

    _, bare = routes_of(client.app)
    # provider webhooks (CONTRACT §3) are signed by the providers, not part of this API
    assert [r for r in bare if not r[1].startswith("/api/v1/webhooks/")] == []


async def test_read_scope_reads_and_never_writes(client: Client, db: asyncpg.Pool) -> None:
    """`subscribers:read`: every GET and the suppression check; every write is 403."""
    read_key = bearer(await make_key(db, "subscribers:read"))
    checked = {"read": 0, "write": 0}
    for method, path, scope in secured_operations(client.app):
        resp = await client.request(method, path, headers=read_key, json={"emails": []})
        reading = scope == "subscribers" and (
            method == "GET" or path == "/api/v1/suppressions/check"
        )
        if reading:
            assert resp.status not in (401, 403), (method, path, resp.status)
            checked["read"] += 1
        else:
            assert resp.status == 403, (method, path)
            assert error_message(await resp.json()) == f"Required permission: {scope}"
            checked["write"] += 1
    assert checked["read"] >= 8
    assert checked["write"] >= 10
    # and nothing changed: the writes were refused before their handlers ran
    assert await db.fetchval("SELECT count(*) FROM events") == 0
