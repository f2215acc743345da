"""Sending domains in the database and the API: ?domain= on the bounce log and stats, and
the sending domain a processed provider event, a manual report and an import carry."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import asyncpg

from shared.ledger import EventRecord, apply_events
from shared.models import CanonicalEvent, EventKind, Source
from tests.integration.api_kit import Client, error_of, report

WHEN = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def canonical(n: int, kind: EventKind, domain: str | None) -> EventRecord:
    event = CanonicalEvent(
        dedup_key=f"t:{kind}:{n}",
        source=Source.SES,
        kind=kind,
        email=f"user{n}@example.com",
        occurred_at=WHEN,
        sending_domain=domain,
    )
    return EventRecord.from_canonical(event, f"evt_{n}")


async def test_the_bounce_log_filters_by_domain(
    client: Client, auth: dict[str, str], db: asyncpg.Pool
) -> None:
    await report(client, auth, email="a@example.com", bounce_type="hard", domain="News.Example")
    await report(client, auth, email="b@example.com", bounce_type="soft", domain="shop.example")
    await report(client, auth, email="c@example.com", bounce_type="hard")
    resp = await client.get("/api/v1/bounces?domain=NEWS.example", headers=auth)
    data = (await resp.json())["data"]
    assert [b["email"] for b in data["bounces"]] == ["a@example.com"]
    assert data["total"] == 1
    resp = await client.get("/api/v1/bounces?domain=other.example", headers=auth)
    assert (await resp.json())["data"]["total"] == 0
    stored = await db.fetch("SELECT email, sending_domain FROM events ORDER BY id")
    assert [tuple(r) for r in stored] == [
        ("a@example.com", "news.example"),
        ("b@example.com", "shop.example"),
        ("c@example.com", None),
    ]
    resp = await client.get("/api/v1/bounces?domain=a%20b", headers=auth)
    assert "domain" in (await error_of(resp, 400))["message"]


async def test_stats_filter_by_domain(
    client: Client, auth: dict[str, str], db: asyncpg.Pool
) -> None:
    records = [canonical(i, EventKind.DELIVERY, "news.example") for i in range(8)]
    records += [canonical(10 + i, EventKind.HARD, "news.example") for i in range(2)]
    records += [canonical(20 + i, EventKind.HARD, "shop.example") for i in range(5)]
    records += [canonical(30, EventKind.HARD, None)]
    async with db.acquire() as conn:
        await apply_events(conn, records, 3, now=WHEN)
    window = "since=2026-01-10T00:00:00Z&until=2026-01-11T00:00:00Z"
    resp = await client.get(f"/api/v1/stats?{window}&domain=news.example", headers=auth)
    data = (await resp.json())["data"]
    assert (data["delivered"], data["hard"], data["sent"]) == (8, 2, 10)
    resp = await client.get(f"/api/v1/stats?{window}", headers=auth)
    data = (await resp.json())["data"]
    assert (data["delivered"], data["hard"]) == (8, 8)
    delivered = await db.fetchval(
        "SELECT count(*) FROM deliveries WHERE sending_domain = 'news.example'"
    )
    assert delivered == 8


async def test_openapi_documents_the_domain_filters(client: Client) -> None:
    doc = await (await client.get("/api/v1/openapi.json")).json()
    for path in ("/api/v1/bounces", "/api/v1/stats"):
        names = {p["name"] for p in doc["paths"][path]["get"]["parameters"]}
        assert "domain" in names, path


async def test_an_import_for_one_domain_is_listed_there_and_suppressed_everywhere(
    client: Client, auth: dict[str, str]
) -> None:
    export = "address,code,error,created_at\r\nold@example.com,550,,\r\n"
    resp = await client.post(
        "/api/v1/suppressions/import?domain=News.Example", data=export.encode(), headers=auth
    )
    assert (await resp.json())["data"]["imported"] == 1
    key = auth["Authorization"].removeprefix("Bearer ")
    basic = {"Authorization": "Basic " + base64.b64encode(f"api:{key}".encode()).decode()}
    listed = await (await client.get("/v3/news.example/bounces", headers=basic)).json()
    assert [i["address"] for i in listed["items"]] == ["old@example.com"]
    other = await (await client.get("/v3/shop.example/bounces", headers=basic)).json()
    assert other["total_count"] == 0
    check = await client.get("/api/v1/suppressions/old@example.com", headers=auth)
    assert (await check.json())["data"]["suppressed"] is True
