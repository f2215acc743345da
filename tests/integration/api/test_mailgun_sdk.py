"""The official `mailgun` SDK from PyPI, pointed at bounceflow: a client we did not write.

`Client(auth=("api", key), api_url=...)` takes any base URL (plain http only for
localhost/127.0.0.1); its bounces endpoint calls /v3/<domain>/bounces[/<address>].
The synchronous client (requests) runs on a worker thread while the app serves on
this test's event loop; the asynchronous one (httpx) runs on the loop itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from mailgun.client import AsyncClient, Client

from shared.settings import Settings
from tests.integration.api_kit import Client as TestClient
from tests.integration.api_kit import make_key, start

DOMAIN = "samples.mailgun.org"


@pytest.fixture
async def server(base_settings: Settings, db: asyncpg.Pool) -> AsyncIterator[TestClient]:
    c = await start(base_settings)
    yield c
    await c.close()


def base_url(server: TestClient) -> str:
    return str(server.make_url("/")).rstrip("/")


def sync_session(api_url: str, key: str) -> dict[str, Any]:
    """Add, list, get, delete with the synchronous SDK client; every answer, in order."""
    seen: dict[str, Any] = {}
    with Client(auth=("api", key), api_url=api_url) as client:
        bounces = client.bounces
        added = bounces.create(
            data={"address": "ev@mgrules.com", "code": 550, "error": "Test error"}, domain=DOMAIN
        )
        seen["add"] = (added.status_code, added.json())
        as_json = bounces.create(
            data={"address": "void@guillaumeleveque.info", "code": "550", "error": "5.1.1 unknown"},
            domain=DOMAIN,
            headers={"Content-Type": "application/json"},
        )
        seen["add_json"] = (as_json.status_code, as_json.json())
        listed = bounces.get(domain=DOMAIN, filters={"limit": 10})
        seen["list"] = (listed.status_code, listed.json())
        one = bounces.get(domain=DOMAIN, bounce_address="ev@mgrules.com")
        seen["get"] = (one.status_code, one.json())
        deleted = bounces.delete(domain=DOMAIN, bounce_address="ev@mgrules.com")
        seen["delete"] = (deleted.status_code, deleted.json())
        gone = bounces.get(domain=DOMAIN, bounce_address="ev@mgrules.com")
        seen["get_deleted"] = (gone.status_code, gone.json())
        cleared = bounces.delete(domain=DOMAIN)
        seen["delete_all"] = (cleared.status_code, cleared.json())
    return seen


async def test_sync_sdk_adds_lists_gets_and_deletes(server: TestClient, db: asyncpg.Pool) -> None:
    key = await make_key(db, "subscribers")
    seen = await asyncio.to_thread(sync_session, base_url(server), key)
    assert seen["add"] == (
        200,
        {"message": "Address has been added to the bounces table", "address": "ev@mgrules.com"},
    )
    assert seen["add_json"][0] == 200
    status, listing = seen["list"]
    assert status == 200
    assert listing["total_count"] == 2
    assert {i["address"] for i in listing["items"]} == {
        "ev@mgrules.com",
        "void@guillaumeleveque.info",
    }
    status, one = seen["get"]
    assert status == 200
    assert (one["address"], one["code"], one["error"]) == ("ev@mgrules.com", "550", "Test error")
    assert one["created_at"].endswith(" GMT")
    assert seen["delete"] == (
        200,
        {"message": "Bounced address has been removed", "address": "ev@mgrules.com"},
    )
    assert seen["get_deleted"] == (404, {"message": "Address not found in bounces table"})
    assert seen["delete_all"][0] == 200
    assert await db.fetchval("SELECT count(*) FROM subscribers WHERE status = 'bounced'") == 0
    # each change went through the ledger: two hard bounces, two manual reactivations
    kinds = await db.fetch("SELECT kind, count(*) FROM events GROUP BY kind ORDER BY kind")
    assert [tuple(k) for k in kinds] == [("hard", 2), ("manual", 2)]


async def test_async_sdk_lists_with_a_wrong_key_refused(
    server: TestClient, db: asyncpg.Pool
) -> None:
    key = await make_key(db, "subscribers")
    async with AsyncClient(auth=("api", key), api_url=base_url(server)) as client:
        added = await client.bounces.create(data={"address": "a@example.com"}, domain=DOMAIN)
        assert added.status_code == 200
        listed = await client.bounces.get(domain=DOMAIN)
        assert [i["address"] for i in listed.json()["items"]] == ["a@example.com"]
    async with AsyncClient(auth=("api", "bf_" + "z" * 43), api_url=base_url(server)) as client:
        refused = await client.bounces.get(domain=DOMAIN)
        assert refused.status_code == 401
        assert refused.json() == {"message": "invalid API key"}


OTHER = "news.example.org"


def two_domain_session(api_url: str, key: str) -> dict[str, Any]:
    """The same address bounced at two domains, then cleared at one, with the sync SDK."""
    seen: dict[str, Any] = {}
    with Client(auth=("api", key), api_url=api_url) as client:
        bounces = client.bounces
        bounces.create(data={"address": "only@example.com"}, domain=DOMAIN)
        seen["other_list"] = bounces.get(domain=OTHER).json()
        seen["other_get"] = bounces.get(domain=OTHER, bounce_address="only@example.com")
        bounces.create(data={"address": "both@example.com", "code": 551}, domain=DOMAIN)
        bounces.create(data={"address": "both@example.com", "code": 552}, domain=OTHER)
        seen["other_delete"] = bounces.delete(domain=OTHER, bounce_address="both@example.com")
        seen["after_other"] = (
            bounces.get(domain=OTHER, bounce_address="both@example.com").status_code,
            bounces.get(domain=DOMAIN, bounce_address="both@example.com").json(),
        )
        seen["cleared"] = bounces.delete(domain=DOMAIN, bounce_address="both@example.com")
        seen["lists"] = (bounces.get(domain=DOMAIN).json(), bounces.get(domain=OTHER).json())
    return seen


async def test_sync_sdk_keeps_two_domains_apart(server: TestClient, db: asyncpg.Pool) -> None:
    key = await make_key(db, "subscribers")
    seen = await asyncio.to_thread(two_domain_session, base_url(server), key)
    # added at one domain: not in the other's list
    assert seen["other_list"]["total_count"] == 0
    assert seen["other_list"]["items"] == []
    assert seen["other_get"].status_code == 404
    # deleted at one domain: the other's entry stays, and the address stays suppressed
    assert seen["other_delete"].status_code == 200
    status, kept = seen["after_other"]
    assert status == 404
    assert (kept["address"], kept["code"]) == ("both@example.com", "551")
    both = "SELECT status FROM subscribers WHERE email = 'both@example.com'"
    # deleted at the last domain holding it: active again
    assert seen["cleared"].status_code == 200
    assert await db.fetchval(both) == "active"
    mine, other = seen["lists"]
    assert [i["address"] for i in mine["items"]] == ["only@example.com"]
    assert other["total_count"] == 0
    domains = await db.fetch(
        "SELECT email, sending_domain FROM events WHERE kind = 'hard' ORDER BY id"
    )
    assert [tuple(r) for r in domains] == [
        ("only@example.com", DOMAIN),
        ("both@example.com", DOMAIN),
        ("both@example.com", OTHER),
    ]
