"""The bounce log and manual reports against a real Postgres."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.integration.api_kit import (
    BOUNCE_FIELDS,
    Client,
    bearer,
    error_of,
    make_key,
    report,
)

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
    client: Client, listening: asyncpg.Pool, auth: dict[str, str]
) -> None:
    db = listening
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
