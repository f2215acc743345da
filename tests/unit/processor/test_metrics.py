"""The processor's /metrics: the unrecognised-events counter by provider and reason."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.processor.metrics import (
    UNCLASSIFIABLE_RECIPIENT,
    UNKNOWN_EVENT_TYPE,
    ProcessorMetrics,
    add_metrics_route,
)


async def test_counter_is_served_by_provider_and_reason() -> None:
    metrics = ProcessorMetrics.create()
    metrics.unrecognised.labels("ses", UNCLASSIFIABLE_RECIPIENT).inc()
    metrics.unrecognised.labels("sendgrid", UNKNOWN_EVENT_TYPE).inc(2)
    assert metrics.unrecognised_count("ses", UNCLASSIFIABLE_RECIPIENT) == 1
    assert metrics.unrecognised_count("ses", UNKNOWN_EVENT_TYPE) == 0
    app = web.Application()
    add_metrics_route(app, metrics)
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/metrics")
        assert resp.status == 200
        text = await resp.text()
    assert (
        'bounceflow_unrecognised_events_total{provider="ses",reason="unclassifiable_recipient"} 1.0'
        in text
    )
    assert (
        'bounceflow_unrecognised_events_total{provider="sendgrid",reason="unknown_event_type"} 2.0'
        in text
    )


def test_each_processor_has_its_own_registry() -> None:
    a, b = ProcessorMetrics.create(), ProcessorMetrics.create()
    a.unrecognised.labels("ses", UNKNOWN_EVENT_TYPE).inc()
    assert b.unrecognised_count("ses", UNKNOWN_EVENT_TYPE) == 0
