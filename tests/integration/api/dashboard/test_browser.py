"""The dashboard in real headless Chromium (Debian's `chromium`), driven by Playwright.

Logs in through a `/dashboard#key=` link (the key leaves the address bar for
sessionStorage) and through the form, waits for the charts, and checks every
rendered number against the API's JSON for the same window; a bounce reported
meanwhile shows up in the live list. Screenshots land in the test's tmp dir.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from playwright.async_api import Browser, Page, async_playwright

from services.ingest.api.dashboard.cli import dashboard_link
from shared.settings import Settings
from tests.integration.api.dashboard.kit import seed
from tests.integration.api_kit import Client, bearer, make_key, report

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 20_000  # for the page to load and draw (ms); the live refresh runs every 5 s

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        await b.close()


class Api:
    """The API's JSON, read with the same key the page uses."""

    def __init__(self, client: Client, key: str) -> None:
        self.client, self.auth = client, bearer(key)

    async def get(self, path: str) -> Any:
        resp = await self.client.get(path, headers=self.auth)
        assert resp.status == 200, await resp.text()
        return (await resp.json())["data"]


async def text_of(page: Page, testid: str) -> str:
    return (await page.get_by_test_id(testid).inner_text()).strip()


async def value_of(page: Page, testid: str) -> str | None:
    return await page.get_by_test_id(testid).get_attribute("data-value")


def pct(rate: float) -> str:
    return f"{rate * 100:.2f} %"


async def check_totals(page: Page, stats: dict[str, Any]) -> None:
    for k in ("sent", "delivered", "hard", "soft", "complaints"):
        assert await value_of(page, f"kpi-{k}") == str(stats[k]), k
        assert await text_of(page, f"kpi-{k}") == f"{stats[k]:,}", k
    rate = await text_of(page, "kpi-hard-rate")
    assert rate == f"{pct(stats['hard_bounce_rate'])} {stats['bounce_status']}"
    rate = await text_of(page, "kpi-complaint-rate")
    assert rate == f"{pct(stats['complaint_rate'])} {stats['complaint_status']}"


async def check_chart(page: Page, testid: str, points: list[dict[str, Any]], field: str) -> None:
    figure = page.get_by_test_id(testid)
    assert await figure.get_attribute("data-points") == str(len(points))
    drawn = await figure.locator("[data-testid=point]").evaluate_all(
        "nodes => nodes.map(n => [n.dataset.start, Number(n.dataset.value)])"
    )
    expected = [[p["start"], p[field]] for p in points if p["sent"] or p[field]]
    assert drawn == expected
    assert await figure.locator("rect.band-safe").count() == 1
    assert await figure.locator("rect.band-warning").count() == 1
    assert await figure.locator("rect.band-danger").count() == 1


async def rows_of(page: Page, testid: str) -> list[list[str]]:
    rows = page.get_by_test_id(testid).locator("tbody tr")
    cells: list[list[str]] = await rows.evaluate_all(
        "rows => rows.map(r => [r.dataset.key, ...[...r.cells].map(c => c.innerText.trim())])"
    )
    return cells


async def check_breakdowns(page: Page, api: Api, window: str) -> None:
    for by in ("source", "campaign", "recipient_domain", "domain"):
        data = await api.get(f"/api/v1/stats/breakdown?by={by}&{window}&limit=10")
        known = data["delivered_known"]
        assert known is (by != "campaign")
        expected = [
            [
                g["key"] or "",
                g["key"] or "(none)",
                f"{g['delivered']:,}" if known else "—",
                f"{g['hard']:,}",
                f"{g['soft']:,}",
                f"{g['complaints']:,}",
                f"{pct(g['hard_bounce_rate'])} {g['bounce_status']}" if known else "—",
                f"{pct(g['complaint_rate'])} {g['complaint_status']}" if known else "—",
            ]
            for g in data["groups"]
        ]
        assert await rows_of(page, f"breakdown-{by}") == expected, by
    note = await text_of(page, "breakdown-campaign-note")
    assert note.startswith("Deliveries are not recorded by this grouping")


async def check_lists(page: Page, api: Api, window: str) -> None:
    for status in ("active", "bounced", "unsubscribed"):
        total = (await api.get(f"/api/v1/subscribers?status={status}&limit=1"))["total"]
        assert await value_of(page, f"subscribers-{status}") == str(total), status
    bounces = (await api.get("/api/v1/bounces?limit=10"))["bounces"]
    shown = await rows_of(page, "latest-bounces")
    assert [[r[0], r[2], r[3]] for r in shown] == [
        [str(b["id"]), b["email"], b["bounce_type"]] for b in bounces
    ]
    endpoints = (await api.get(f"/api/v1/stats/endpoint-health?{window}"))["endpoints"]
    shown = await rows_of(page, "endpoints")
    assert [r[:5] for r in shown] == [
        [
            str(e["id"]),
            f"#{e['id']} {e['origin']}",
            str(e["pending"]),
            str(e["pending_retries"]),
            str(e["failed"]),
        ]
        for e in endpoints
    ]
    assert shown[2][5] == "endpoint answered 410 Gone disabled"
    assert shown[1][5].startswith("since ")
    assert shown[1][5].endswith("Z failing")


async def test_dashboard_in_chromium(
    client: Client, browser: Browser, db: asyncpg.Pool, base_settings: Settings, tmp_path: Path
) -> None:
    """`client` serves the real app on a free local port, over real Postgres."""
    base = str(client.make_url("")).rstrip("/")
    seeded = await seed(client, db)
    key = await make_key(db, "subscribers:read")
    api = Api(client, key)
    link = dashboard_link(base_settings.model_copy(update={"public_url": base}), key)
    page = await browser.new_page(viewport={"width": 1360, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    await page.goto(link)
    await page.wait_for_selector("[data-testid=board][data-loaded]", timeout=WAIT_MS)
    assert page.url == base + "/dashboard"  # the fragment is gone from the address bar
    assert await page.evaluate("sessionStorage.getItem('bounceflow.key')") == key
    assert await page.get_by_test_id("login").is_hidden()
    await page.wait_for_selector("[data-testid=chart-bounce] svg [data-testid=point]")
    board = page.get_by_test_id("board")
    since, until = await board.get_attribute("data-since"), await board.get_attribute("data-until")
    window = f"since={since}&until={until}"
    await check_totals(page, await api.get(f"/api/v1/stats?{window}"))
    series = await api.get(f"/api/v1/stats/series?{window}&bucket=day")
    assert len(series["points"]) == 30
    await check_chart(page, "chart-bounce", series["points"], "hard_bounce_rate")
    await check_chart(page, "chart-complaint", series["points"], "complaint_rate")
    await check_breakdowns(page, api, window)
    await check_lists(page, api, window)
    await page.screenshot(path=tmp_path / "dashboard.png", full_page=True)
    # live: a bounce reported now appears without a reload
    auth = bearer(await make_key(db, "subscribers"))
    new_id = await report(client, auth, email="late@gmail.com", bounce_type="hard")
    assert new_id not in seeded.reported
    await page.wait_for_selector(
        f"[data-testid=latest-bounces] tr[data-key='{new_id}']", timeout=WAIT_MS
    )
    # no CSP violation, no script error (a by=domain 422, from before events recorded the
    # sending domain, is the one the page was told to expect)
    assert [p for p in problems if "status of 422" not in p] == []
    assert len(problems) <= 1


async def test_form_login_and_a_refused_key(
    client: Client, browser: Browser, db: asyncpg.Pool, tmp_path: Path
) -> None:
    base = str(client.make_url("")).rstrip("/")
    page = await browser.new_page()
    await page.goto(base + "/dashboard")
    await page.get_by_label("API key", exact=True).fill("bf_" + "x" * 43)
    await page.get_by_test_id("login-submit").click()
    await page.get_by_text("That API key was refused.").wait_for(timeout=WAIT_MS)
    assert await page.evaluate("sessionStorage.getItem('bounceflow.key')") is None
    key = await make_key(db, "subscribers:read")
    await page.get_by_label("API key", exact=True).fill(key)
    await page.get_by_test_id("login-submit").click()
    await page.wait_for_selector("[data-testid=board][data-loaded]", timeout=WAIT_MS)
    assert await page.get_by_test_id("kpi-sent").get_attribute("data-value") == "0"
    assert await page.get_by_test_id("chart-complaint").get_attribute("data-points") == "30"
    await page.get_by_test_id("window").select_option("24h")
    await page.wait_for_selector("[data-testid=board][data-bucket=hour][data-loaded='2']")
    assert await page.get_by_test_id("chart-bounce").get_attribute("data-points") == "24"
    await page.screenshot(path=tmp_path / "empty.png")
    await page.get_by_test_id("logout").click()
    assert await page.evaluate("sessionStorage.getItem('bounceflow.key')") is None
    assert await page.get_by_test_id("login").is_visible()
