"""Operating the notifier: auto-disable after failing continuously for the configured
period (reason on the API record, an operational log line), and the /metrics endpoint
(deliveries by outcome, attempt latency, queue depth, retries pending, disabled
endpoints)."""

from __future__ import annotations

import aiohttp
import asyncpg
from structlog.testing import capture_logs

from demo.processes import free_port
from shared.settings import Settings
from tests.helpers import wait_for
from tests.integration import test_notifier_api
from tests.integration.notifier_kit import (
    StartNotifier,
    StartReceiver,
    add_endpoint,
    add_outbox,
    all_in,
    always,
)
from tests.integration.test_notifier_api import Api

api = test_notifier_api.api


async def test_an_endpoint_failing_for_too_long_is_disabled_with_a_reason(
    db: asyncpg.Pool,
    fast: Settings,
    api: Api,
    receiver_factory: StartReceiver,
    notifier: StartNotifier,
) -> None:
    failing, healthy = await receiver_factory(always(500)), await receiver_factory()
    endpoint_id, _ = await api.register(failing.url, ["email.bounced"])
    healthy_id, _ = await api.register(healthy.url, ["email.bounced"])
    for n in range(3):
        await add_outbox(db, "email.bounced", to=f"n{n}@example.com")
    settings = fast.model_copy(
        update={"notifier_disable_after": 1.0, "notifier_retry_schedule": "0.4,0.4,0.4,0.4,0.4"}
    )
    with capture_logs() as logs:
        running = notifier(settings)

        async def disabled() -> bool:
            return not (await api.call("GET", f"/webhook-endpoints/{endpoint_id}"))["enabled"]

        await wait_for(disabled, what="the endpoint disabled after failing for over 1 s")
        await running.shutdown()

    shown = await api.call("GET", f"/webhook-endpoints/{endpoint_id}")
    assert shown["disabled_reason"].startswith("failing continuously since ")
    assert "longer than 1 s" in shown["disabled_reason"]
    lines = [e for e in logs if e["event"] == "webhook_endpoint_auto_disabled"]
    assert len(lines) == 1
    assert (lines[0]["endpoint_id"], lines[0]["log_level"]) == (endpoint_id, "warning")
    assert "url" not in lines[0]
    # the healthy endpoint is untouched, and its failure streak never started
    assert (await api.call("GET", f"/webhook-endpoints/{healthy_id}"))["enabled"]
    assert len(healthy.hits) == 3
    # pending deliveries wait for re-enabling instead of being attempted
    before = failing.requests
    assert await db.fetchval(
        "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'pending'",
        endpoint_id,
    )
    failing.respond = always(204)
    await api.call("PATCH", f"/webhook-endpoints/{endpoint_id}", json={"enabled": True})
    notifier(settings)
    await wait_for(all_in(db, "succeeded", 6), what="delivered once re-enabled")
    assert failing.requests == before + 3


def sample(text: str, name: str) -> float:
    """The value of one sample line (`name` including its labels) in Prometheus text."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in metrics")


async def test_metrics_show_outcomes_latency_and_the_queue(
    db: asyncpg.Pool, fast: Settings, receiver_factory: StartReceiver, notifier: StartNotifier
) -> None:
    ok, down = await receiver_factory(), await receiver_factory(always(503))
    await add_endpoint(db, ok.url, ["email.bounced"])
    await add_endpoint(db, down.url, ["email.bounced"])
    await add_endpoint(db, ok.url, ["email.bounced"], enabled=False)
    for n in range(2):
        await add_outbox(db, "email.bounced", to=f"n{n}@example.com")
    port = free_port()
    # the second retry is far off: the down endpoint's deliveries stay pending retries
    notifier(
        fast.model_copy(
            update={"notifier_metrics_port": port, "notifier_retry_schedule": "0.1,3600"}
        )
    )

    async def settled() -> bool:
        return bool(
            await db.fetchval("SELECT count(*) FROM webhook_attempts") == 6 and len(ok.hits) == 2
        )

    await wait_for(settled, what="2 successes and 4 failed attempts")
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/metrics") as resp,
    ):
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        text = await resp.text()
    assert sample(text, 'bounceflow_webhook_deliveries_total{outcome="succeeded"}') == 2
    assert sample(text, 'bounceflow_webhook_deliveries_total{outcome="retry"}') == 4
    assert sample(text, 'bounceflow_webhook_deliveries_total{outcome="failed"}') == 0
    assert sample(text, 'bounceflow_webhook_deliveries_total{outcome="gone"}') == 0
    assert sample(text, "bounceflow_webhook_attempt_seconds_count") == 6
    assert sample(text, "bounceflow_webhook_attempt_seconds_sum") > 0
    assert sample(text, "bounceflow_webhook_queue_depth") == 0
    assert sample(text, "bounceflow_webhook_retries_pending") == 2
    assert sample(text, "bounceflow_webhook_endpoints_disabled") == 1
    assert sample(text, "bounceflow_webhook_in_flight") == 0
