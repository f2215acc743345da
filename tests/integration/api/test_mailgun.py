"""The Mailgun-compatible bounces API (seed 003) against a real Postgres."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from yarl import URL

from shared.settings import Settings
from tests.integration.api_kit import Client, make_key, report, start

RFC2822 = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")


@pytest.fixture
async def client(base_settings: Settings, db: asyncpg.Pool) -> AsyncIterator[Client]:
    c = await start(base_settings)
    yield c
    await c.close()


@pytest.fixture
async def key(db: asyncpg.Pool) -> str:
    return await make_key(db, "subscribers")


def rel(link: str) -> str:
    """A paging link (absolute, as Mailgun's are), for the test client."""
    url = URL(link)
    assert url.absolute
    return url.path_qs


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"api:{key}".encode()).decode()}


async def json_of(resp: Any, status: int = 200) -> Any:
    assert resp.status == status, await resp.text()
    return await resp.json()


@pytest.mark.parametrize("prefix", ["/v3", "/v2"])
async def test_add_get_list_delete_as_in_seed_003(
    client: Client, db: asyncpg.Pool, key: str, prefix: str
) -> None:
    auth = basic(key)
    base = f"{prefix}/samples.mailgun.org/bounces"
    # add: a form, as curl -F / requests data= send it
    doc = await json_of(await client.post(base, data={"address": "ev@mgrules.com"}, headers=auth))
    assert doc == {
        "message": "Address has been added to the bounces table",
        "address": "ev@mgrules.com",
    }
    doc = await json_of(
        await client.post(
            base,
            json={
                "address": "Void@Guillaumeleveque.info",
                "code": 550,
                "error": "5.1.1 <void@guillaumeleveque.info>: Recipient address rejected",
            },
            headers=auth,
        )
    )
    assert doc["address"] == "void@guillaumeleveque.info"
    # the policy ran: both are bounced subscribers
    statuses = {
        r["email"]: r["status"] for r in await db.fetch("SELECT email, status FROM subscribers")
    }
    assert set(statuses.values()) == {"bounced"}

    doc = await json_of(await client.get(base, headers=auth))
    assert doc["total_count"] == 2
    assert [i["address"] for i in doc["items"]] == ["void@guillaumeleveque.info", "ev@mgrules.com"]
    first = doc["items"][1]
    assert set(first) == {"address", "code", "error", "created_at"}
    assert (first["code"], first["error"]) == ("550", "")
    assert RFC2822.match(first["created_at"]), first["created_at"]
    assert set(doc["paging"]) == {"first", "last", "next", "previous"}

    one = await json_of(await client.get(f"{base}/void@guillaumeleveque.info", headers=auth))
    assert one["code"] == "550"
    assert one["error"].startswith("5.1.1 <void@")
    missing = await client.get(f"{base}/foo@bar.com", headers=auth)
    assert await json_of(missing, 404) == {"message": "Address not found in bounces table"}

    # upsert: the same address again updates code and error
    await client.post(
        base, data={"address": "ev@mgrules.com", "code": "421", "error": "later"}, headers=auth
    )
    one = await json_of(await client.get(f"{base}/ev@mgrules.com", headers=auth))
    assert (one["code"], one["error"]) == ("421", "later")
    assert (await json_of(await client.get(base, headers=auth)))["total_count"] == 2

    # delete one: back to active, through the ledger (a manual event)
    doc = await json_of(await client.delete(f"{base}/ev@mgrules.com", headers=auth))
    assert doc == {"message": "Bounced address has been removed", "address": "ev@mgrules.com"}
    assert (
        await db.fetchval("SELECT status FROM subscribers WHERE email = 'ev@mgrules.com'")
        == "active"
    )
    assert await db.fetchval("SELECT count(*) FROM events WHERE kind = 'manual'") == 1
    await json_of(await client.delete(f"{base}/ev@mgrules.com", headers=auth), 404)

    # delete all
    doc = await json_of(await client.delete(base, headers=auth))
    assert doc == {"message": "Bounced addresses for this domain have been removed"}
    assert await db.fetchval("SELECT count(*) FROM subscribers WHERE status = 'bounced'") == 0
    assert (await json_of(await client.get(base, headers=auth)))["items"] == []


async def test_batch_add_and_paging(client: Client, key: str) -> None:
    auth = basic(key)
    base = "/v3/example.com/bounces"
    batch = [{"address": f"b{i:02}@example.com"} for i in range(25)]
    doc = await json_of(await client.post(base, json=batch, headers=auth))
    assert doc == {"message": "25 addresses have been added to the bounces table"}
    everything = (await json_of(await client.get(f"{base}?limit=1000", headers=auth)))["items"]
    order = [i["address"] for i in everything]
    assert len(order) == 25
    # skip/limit (seed 003)
    page = await json_of(await client.get(f"{base}?limit=10&skip=10", headers=auth))
    assert [i["address"] for i in page["items"]] == order[10:20]
    assert page["total_count"] == 25
    # Mailgun's page links, followed as a client would
    seen: list[str] = []
    doc = await json_of(await client.get(f"{base}?limit=10", headers=auth))
    while doc["items"]:
        seen += [i["address"] for i in doc["items"]]
        doc = await json_of(await client.get(rel(doc["paging"]["next"]), headers=auth))
    assert seen == order
    last = await json_of(await client.get(rel(doc["paging"]["last"]), headers=auth))
    assert [i["address"] for i in last["items"]] == order[-10:]
    previous = await json_of(await client.get(rel(last["paging"]["previous"]), headers=auth))
    assert [i["address"] for i in previous["items"]] == order[5:15]
    unknown = await client.get(f"{base}?page=next&address=nobody@example.com", headers=auth)
    assert (await json_of(unknown, 404))["message"] == "Page cursor address not found"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"data": {}}, "'address'"),
        ({"data": {"address": "nope"}}, "'address'"),
        ({"data": {"address": "a@b.c", "created_at": "yesterday"}}, "'created_at'"),
        ({"data": {"address": "a@b.c", "surprise": "x"}}, "unknown field 'surprise'"),
        ({"json": []}, "1 to 1000"),
        ({"json": [{"address": "a@b.c"}] * 1001}, "1 to 1000"),
        ({"json": [{"address": "a@b.c"}, {"code": 550}]}, "'1.address'"),
        ({"json": {"address": "a@b.c", "code": True}}, "'code'"),
        ({"data": b"not json", "headers": {"Content-Type": "application/json"}}, "JSON"),
    ],
)
async def test_bad_adds_are_400_with_a_message(
    client: Client, db: asyncpg.Pool, key: str, kwargs: dict[str, Any], message: str
) -> None:
    headers = {**basic(key), **kwargs.pop("headers", {})}
    resp = await client.post("/v3/example.com/bounces", headers=headers, **kwargs)
    doc = await json_of(resp, 400)
    assert set(doc) == {"message"}
    assert message in doc["message"]
    assert await db.fetchval("SELECT count(*) FROM events") == 0


async def test_errors_are_mailgun_style(client: Client, db: asyncpg.Pool, key: str) -> None:
    resp = await client.get("/v3/example.com/bounces")
    assert set(await json_of(resp, 401)) == {"message"}
    resp = await client.get(
        "/v3/example.com/bounces", headers=basic(await make_key(db, "webhooks"))
    )
    assert await json_of(resp, 403) == {"message": "Required permission: subscribers"}
    resp = await client.get("/v3/example.com/bounces?limit=1001", headers=basic(key))
    assert "'limit'" in (await json_of(resp, 400))["message"]
    resp = await client.put("/v3/example.com/bounces", headers=basic(key))
    assert set(await json_of(resp, 405)) == {"message"}
    assert "DELETE" in resp.headers["Allow"]
    resp = await client.get("/v3/example.com/nothing-here", headers=basic(key))
    assert set(await json_of(resp, 404)) == {"message"}


async def test_a_complaint_outranks_an_added_bounce(
    client: Client, db: asyncpg.Pool, key: str
) -> None:
    bearer = {"Authorization": f"Bearer {key}"}
    await report(client, bearer, email="c@example.com", bounce_type="complaint")
    resp = await client.post(
        "/v3/example.com/bounces", data={"address": "c@example.com"}, headers=basic(key)
    )
    assert "outranks" in (await json_of(resp, 409))["message"]
    assert await db.fetchval("SELECT status FROM subscribers") == "unsubscribed"
    resp = await client.delete("/v3/example.com/bounces/c@example.com", headers=basic(key))
    await json_of(resp, 404)
    assert await db.fetchval("SELECT status FROM subscribers") == "unsubscribed"
