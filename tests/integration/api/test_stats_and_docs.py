"""GET /api/v1/stats over real events, and the OpenAPI document and docs page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from services.ingest.api.openapi.routes import render
from shared.ledger import EventRecord, apply_events
from shared.policy import HistoryKind
from shared.settings import Settings
from tests.integration.api_kit import Client, bearer, error_of, make_key, start

WHEN = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
async def client(base_settings: Settings, db: asyncpg.Pool) -> AsyncIterator[Client]:
    c = await start(base_settings)
    yield c
    await c.close()


async def seed_events(
    db: asyncpg.Pool, kind: HistoryKind, source: str, n: int, when: datetime
) -> None:
    records = [
        EventRecord(
            dedup_key=f"t:{source}:{kind}:{i}:{when.isoformat()}",
            email=f"{kind}{i}@{source}.example",
            kind=kind,
            source=source,
            occurred_at=when,
        )
        for i in range(n)
    ]
    async with db.acquire() as conn:
        await apply_events(conn, records, 3, now=when)


async def test_stats_rates_levels_and_sources(client: Client, db: asyncpg.Pool) -> None:
    await seed_events(db, HistoryKind.DELIVERY, "ses", 960, WHEN)
    await seed_events(db, HistoryKind.HARD, "ses", 30, WHEN)
    await seed_events(db, HistoryKind.SOFT, "ses", 10, WHEN)
    await seed_events(db, HistoryKind.COMPLAINT, "ses", 2, WHEN)
    await seed_events(db, HistoryKind.DELIVERY, "mailgun", 100, WHEN)
    await seed_events(db, HistoryKind.HARD, "mailgun", 10, WHEN)
    # outside the window, and an import (history without its sends): not counted
    await seed_events(db, HistoryKind.HARD, "ses", 50, WHEN - timedelta(days=2))
    async with db.acquire() as conn:
        await apply_events(
            conn,
            [
                EventRecord(
                    "import:ses:x@example.com:hard", "x@example.com", HistoryKind.HARD, "ses", WHEN
                )
            ],
            3,
        )
    auth = bearer(await make_key(db, "subscribers"))
    url = "/api/v1/stats?since=2026-01-10T00:00:00Z&until=2026-01-11T00:00:00Z"
    resp = await client.get(url, headers=auth)
    assert resp.status == 200, await resp.text()
    data = (await resp.json())["data"]
    assert (data["delivered"], data["hard"], data["soft"], data["complaints"]) == (1060, 40, 10, 2)
    assert data["sent"] == 1110
    assert data["hard_bounce_rate"] == round(40 / 1110, 6)
    assert data["bounce_rate"] == round(50 / 1110, 6)
    assert data["complaint_rate"] == round(2 / 1060, 6)
    assert (data["bounce_status"], data["complaint_status"], data["status"]) == (
        "warning",
        "warning",
        "warning",
    )
    assert (data["since"], data["until"]) == ("2026-01-10T00:00:00Z", "2026-01-11T00:00:00Z")
    by_source = {s["source"]: s for s in data["by_source"]}
    assert set(by_source) == {"mailgun", "ses"}
    assert by_source["mailgun"]["hard_bounce_rate"] == round(10 / 110, 6)
    assert by_source["mailgun"]["status"] == "danger"
    assert by_source["ses"]["bounce_status"] == "warning"  # 30 / 1000 = 3 %
    # the default window is the last 30 days: none of the above
    data = (await (await client.get("/api/v1/stats", headers=auth)).json())["data"]
    assert (data["sent"], data["status"], data["by_source"]) == (0, "safe", [])
    resp = await client.get(
        "/api/v1/stats?since=2026-01-11T00:00:00Z&until=2026-01-10T00:00:00Z", headers=auth
    )
    await error_of(resp, 422)
    resp = await client.get("/api/v1/stats?until=0001-01-01T00:00:00%2B01:00", headers=auth)
    assert "'until'" in (await error_of(resp, 400))["message"]


async def test_openapi_document(client: Client) -> None:
    resp = await client.get("/api/v1/openapi.json")
    assert resp.status == 200
    spec = await resp.json()
    assert spec["openapi"] == "3.1.0"
    assert set(spec["components"]["securitySchemes"]) == {"bearerAuth", "basicAuth"}
    bounces = spec["paths"]["/api/v1/bounces"]
    listing = bounces["get"]
    assert listing["x-required-scope"] == "subscribers"
    assert listing["security"] == [{"bearerAuth": []}, {"basicAuth": []}]
    params = {p["name"]: p for p in listing["parameters"]}
    assert set(params) >= {
        "limit",
        "offset",
        "after",
        "email",
        "bounce_type",
        "source",
        "since",
        "until",
    }
    assert params["limit"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 100,
        "default": 20,
    }
    assert params["since"]["schema"]["format"] == "date-time"
    ok = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/Ok_BounceList_"}
    envelope = spec["components"]["schemas"]["Ok_BounceList_"]
    assert envelope["properties"]["data"] == {"$ref": "#/components/schemas/BounceList"}
    assert set(listing["responses"]) == {"200", "400", "401", "403", "422"}
    error = listing["responses"]["400"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/ErrorResponse"}
    headers = {p["name"] for p in bounces["post"]["parameters"]}
    assert headers == {"Idempotency-Key"}
    mailgun = spec["paths"]["/v3/{domain}/bounces"]["post"]
    assert set(mailgun["requestBody"]["content"]) == {
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }
    assert mailgun["responses"]["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MailgunMessage"
    }
    assert spec["paths"]["/healthz"]["get"]["security"] == []
    # the document is built from the models: a field added there shows up here
    assert "next_cursor" in spec["components"]["schemas"]["BounceList"]["properties"]


async def test_docs_page_is_self_contained(client: Client) -> None:
    resp = await client.get("/api/v1/docs")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/html")
    page = await resp.text()
    assert "/api/v1/suppressions/check" in page
    assert "/v3/{domain}/bounces" in page
    assert 'id="schema-BounceList"' in page
    assert "<script" not in page
    assert "http://" not in page.replace("http://127.0.0.1", "")  # nothing fetched elsewhere


def test_render_escapes() -> None:
    spec = {
        "info": {"title": "<t>", "version": "1", "description": "&"},
        "tags": [{"name": "x"}],
        "paths": {
            "/a": {
                "get": {"summary": "<b>", "tags": ["x"], "responses": {"200": {"description": ""}}}
            }
        },
        "components": {"schemas": {}},
    }
    page = render(spec)
    assert "<b>" not in page
    assert "&lt;b&gt;" in page
