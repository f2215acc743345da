"""The dashboard's page shell and its data routes: series, breakdown, endpoint health;
the `subscribers:read` key; `bounceflow dashboard`'s link."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from demo.processes import run_cli, service_env
from services.ingest.api.dashboard.cli import create_dashboard_link, dashboard_link
from services.ingest.api.dashboard.routes import bucket_starts
from shared.apikeys import authenticate
from shared.settings import Settings
from tests.integration.api.dashboard.kit import seed
from tests.integration.api_kit import Client, bearer, error_of, make_key

SUMS = ("delivered", "hard", "soft", "complaints", "sent")
BOUNCE_SUMS = ("hard", "soft", "complaints")


async def data(client: Client, path: str, auth: dict[str, str]) -> Any:
    resp = await client.get(path, headers=auth)
    assert resp.status == 200, await resp.text()
    return (await resp.json())["data"]


def totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {k: sum(r[k] for r in rows) for k in SUMS}


async def test_page_shell_is_public_strict_and_dataless(client: Client) -> None:
    resp = await client.get("/dashboard")
    assert resp.status == 200
    assert resp.content_type == "text/html"
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    html = await resp.text()
    assert '<script type="module" src="/dashboard/app.js"></script>' in html
    assert "<script>" not in html
    assert "style=" not in html
    for path, media in (
        ("/dashboard/app.js", "text/javascript"),
        ("/dashboard/chart.js", "text/javascript"),
        ("/dashboard/app.css", "text/css"),
    ):
        asset = await client.get(path)
        assert (asset.status, asset.content_type) == (200, media)
        text = (await asset.text()).replace("http://www.w3.org/2000/svg", "")
        assert "http://" not in text, path  # nothing from elsewhere
        assert "https://" not in text, path


async def test_series_and_breakdown_sum_to_the_stats(client: Client, db: asyncpg.Pool) -> None:
    now = datetime.now(UTC)
    await seed(client, db, now)
    auth = bearer(await make_key(db, "subscribers:read"))
    until = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    window = f"since={(until - timedelta(days=30)).isoformat()}&until={until.isoformat()}"
    window = window.replace("+00:00", "Z")
    stats = await data(client, f"/api/v1/stats?{window}", auth)
    assert stats["sent"] > 1000
    series = await data(client, f"/api/v1/stats/series?{window}&bucket=day", auth)
    assert series["bucket"] == "day"
    assert len(series["points"]) == 30
    assert series["points"][0]["start"] == (until - timedelta(days=30)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert totals(series["points"]) == {k: stats[k] for k in SUMS}
    bad_day = max(series["points"], key=lambda p: p["hard_bounce_rate"])
    assert bad_day["bounce_status"] in {"warning", "danger"}
    for by in ("kind", "source", "recipient_domain"):
        found = await data(client, f"/api/v1/stats/breakdown?{window}&by={by}", auth)
        assert found["delivered_known"] is True
        assert totals(found["groups"]) == {k: stats[k] for k in SUMS}, by
        events = [g["events"] for g in found["groups"]]
        assert events == sorted(events, reverse=True)
    # deliveries keep no campaign: counts of bounces and complaints only, no rates
    found = await data(client, f"/api/v1/stats/breakdown?{window}&by=campaign", auth)
    assert found["delivered_known"] is False
    assert {k: sum(g[k] for g in found["groups"]) for k in BOUNCE_SUMS} == {
        k: stats[k] for k in BOUNCE_SUMS
    }
    assert {g["delivered"] for g in found["groups"]} == {None}
    assert {g["hard_bounce_rate"] for g in found["groups"]} == {None}
    by_source = await data(client, f"/api/v1/stats/breakdown?{window}&by=source", auth)
    assert {g["key"] for g in by_source["groups"]} == {"api", "ses", "mailgun", "sendgrid"}
    stats_sources = {s["source"]: s for s in stats["by_source"]}
    for g in by_source["groups"]:
        assert g["hard_bounce_rate"] == stats_sources[g["key"]]["hard_bounce_rate"]
    campaigns = await data(client, f"/api/v1/stats/breakdown?{window}&by=campaign&limit=2", auth)
    assert (len(campaigns["groups"]), campaigns["total_groups"]) == (2, 4)
    # events and deliveries record the sending domain (migration 0006): all sums agree
    by_domain = await data(client, f"/api/v1/stats/breakdown?{window}&by=domain", auth)
    assert by_domain["delivered_known"] is True
    assert totals(by_domain["groups"]) == {k: stats[k] for k in SUMS}


async def test_hour_buckets_and_window_checks(client: Client, db: asyncpg.Pool) -> None:
    auth = bearer(await make_key(db, "subscribers"))
    url = "/api/v1/stats/series?since=2026-01-10T10:30:00Z&until=2026-01-10T13:00:00Z&bucket=hour"
    points = (await data(client, url, auth))["points"]
    assert [p["start"] for p in points] == [
        "2026-01-10T10:00:00Z",
        "2026-01-10T11:00:00Z",
        "2026-01-10T12:00:00Z",
    ]
    assert all(p["sent"] == 0 and p["status"] == "safe" for p in points)
    too_long = "/api/v1/stats/series?since=2020-01-01T00:00:00Z&until=2026-01-01T00:00:00Z"
    await error_of(await client.get(too_long, headers=auth), 422)
    backwards = "/api/v1/stats/breakdown?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z"
    await error_of(await client.get(backwards, headers=auth), 422)
    await error_of(await client.get("/api/v1/stats/breakdown?by=nope", headers=auth), 400)
    first = datetime(1, 1, 1, 0, 30, tzinfo=UTC)
    assert bucket_starts(first, first + timedelta(hours=1), "day") == [first.replace(minute=0)]


async def test_endpoint_health_hides_paths(client: Client, db: asyncpg.Pool) -> None:
    await seed(client, db)
    auth = bearer(await make_key(db, "subscribers:read"))
    endpoints = (await data(client, "/api/v1/stats/endpoint-health", auth))["endpoints"]
    shown = [
        (e["origin"], e["health"], e["pending"], e["pending_retries"], e["failed"])
        for e in endpoints
    ]
    assert shown == [
        ("https://hooks.example.com", "healthy", 0, 0, 0),
        ("https://crm.example.net", "failing", 2, 1, 0),
        ("https://old.example.org", "disabled", 0, 0, 1),
    ]
    assert endpoints[1]["failing_since"] is not None
    assert endpoints[2]["disabled_reason"] == "endpoint answered 410 Gone"


async def test_read_key_reads_but_cannot_write(client: Client, db: asyncpg.Pool) -> None:
    auth = bearer(await make_key(db, "subscribers:read"))
    for path in ("/api/v1/stats", "/api/v1/bounces", "/api/v1/subscribers"):
        await data(client, path, auth)
    resp = await client.post("/api/v1/bounces", json={"email": "a@b.co"}, headers=auth)
    assert (await error_of(resp, 403))["message"] == "Required permission: subscribers"
    resp = await client.get("/api/v1/webhook-endpoints", headers=auth)
    assert (await error_of(resp, 403))["message"] == "Required permission: webhooks"


@pytest.mark.parametrize(
    ("update", "base"),
    [
        ({"http_host": "0.0.0.0", "http_port": 8080}, "http://127.0.0.1:8080"),
        ({"http_host": "::1", "http_port": 9000}, "http://[::1]:9000"),
        ({"public_url": "https://bounces.example.com/"}, "https://bounces.example.com"),
    ],
)
def test_dashboard_link(base_settings: Settings, update: dict[str, Any], base: str) -> None:
    settings = base_settings.model_copy(update=update)
    assert dashboard_link(settings, "bf_a-b_c") == base + "/dashboard#key=bf_a-b_c"


async def test_bounceflow_dashboard_creates_a_read_key(
    base_settings: Settings, db: asyncpg.Pool
) -> None:
    link = await create_dashboard_link(base_settings)
    assert link.startswith("http://127.0.0.1:0/dashboard#key=bf_")
    info = await authenticate(db, link.split("#key=", 1)[1])
    assert info is not None
    assert info.scopes == ("subscribers:read",)


async def test_the_command_prints_a_link_with_a_read_key(
    base_settings: Settings, db: asyncpg.Pool
) -> None:
    env = service_env(
        {
            "BOUNCEFLOW_DATABASE_URL": base_settings.database_url,
            "BOUNCEFLOW_PUBLIC_URL": "https://bounces.example.com",
        }
    )
    out = await asyncio.to_thread(run_cli, env, "dashboard")
    link = out.strip().splitlines()[-1]
    found = re.fullmatch(r"https://bounces\.example\.com/dashboard#key=(bf_[\w-]{43})", link)
    assert found, out
    info = await authenticate(db, found.group(1))
    assert info is not None
    assert info.scopes == ("subscribers:read",)


async def test_by_domain_groups_by_the_recorded_sending_domain(
    client: Client, db: asyncpg.Pool
) -> None:
    """`by=domain` groups events and deliveries by their sending domain (migration 0006);
    each group agrees with GET /api/v1/stats?domain=."""
    auth = bearer(await make_key(db, "subscribers:read"))
    await seed(client, db)
    for table in ("events", "deliveries"):
        await db.execute(
            f"UPDATE {table} SET sending_domain = CASE WHEN source = 'ses' THEN "
            "'news.example.com' WHEN source = 'api' THEN NULL ELSE 'mail.example.com' END"
        )
    stats = await data(client, "/api/v1/stats", auth)
    domains = await data(client, "/api/v1/stats/breakdown?by=domain", auth)
    assert domains["delivered_known"] is True
    assert totals(domains["groups"]) == {k: stats[k] for k in SUMS}
    assert {g["key"] for g in domains["groups"]} == {"mail.example.com", "news.example.com", None}
    for group in domains["groups"]:
        if group["key"] is not None:
            one = await data(client, f"/api/v1/stats?domain={group['key']}", auth)
            assert {k: one[k] for k in SUMS} == {k: group[k] for k in SUMS}
