"""The notifier's Prometheus metrics: a registry of its own (never the process-global
one, so `bounceflow run` and tests can hold several), and the small HTTP server
that serves it on BOUNCEFLOW_NOTIFIER_METRICS_PORT (0: not served).

Counters and the latency histogram are this process's; the queue gauges are read
from the database at scrape time, so every replica reports the same queue.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

from services.notifier import db
from shared.db_errors import DATABASE_ERRORS as DB_ERRORS
from shared.readiness import Checks, add_health_routes
from shared.webhook_deliveries.outcomes import Kind

log = structlog.get_logger(__name__)

# Attempt latency buckets, seconds: a healthy endpoint answers in milliseconds, the
# request timeout is 10 s.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True, slots=True)
class NotifierMetrics:
    registry: CollectorRegistry
    deliveries: Counter  # attempts by outcome: succeeded, retry, failed (dead letter), gone
    latency: Histogram
    in_flight: Gauge
    auto_disabled: Counter
    queue_depth: Gauge
    retries_pending: Gauge
    disabled_endpoints: Gauge

    @classmethod
    def create(cls) -> NotifierMetrics:
        r = CollectorRegistry()
        metrics = cls(
            registry=r,
            deliveries=Counter(
                "bounceflow_webhook_deliveries",
                "Delivery attempts by outcome (succeeded, retry, failed = dead-lettered, gone)",
                ["outcome"],
                registry=r,
            ),
            latency=Histogram(
                "bounceflow_webhook_attempt_seconds",
                "Time from sending a webhook to its answer (or failure), in seconds",
                buckets=LATENCY_BUCKETS,
                registry=r,
            ),
            in_flight=Gauge(
                "bounceflow_webhook_in_flight", "Requests this process has in flight", registry=r
            ),
            auto_disabled=Counter(
                "bounceflow_webhook_endpoints_auto_disabled",
                "Endpoints this process disabled after failing for too long",
                registry=r,
            ),
            queue_depth=Gauge(
                "bounceflow_webhook_queue_depth", "Pending deliveries due now", registry=r
            ),
            retries_pending=Gauge(
                "bounceflow_webhook_retries_pending",
                "Pending deliveries waiting for a retry",
                registry=r,
            ),
            disabled_endpoints=Gauge(
                "bounceflow_webhook_endpoints_disabled", "Disabled endpoints", registry=r
            ),
        )
        for kind in Kind:  # every outcome shows from the start, at 0
            metrics.deliveries.labels(kind.value)
        return metrics

    async def refresh(self, pool: asyncpg.Pool) -> None:
        """Read the queue gauges from the database; on failure they keep their values."""
        try:
            async with pool.acquire() as conn:
                found = await db.gauges(conn)
        except DB_ERRORS as exc:
            log.warning("metrics_refresh_failed", error=str(exc))
            return
        self.queue_depth.set(found.due)
        self.retries_pending.set(found.retries)
        self.disabled_endpoints.set(found.disabled)


def metrics_app(
    metrics: NotifierMetrics, pool: asyncpg.Pool, checks: Checks | None = None
) -> web.Application:
    """GET /metrics in Prometheus text format; /healthz and /readyz when `checks` is given."""

    async def scrape(_request: web.Request) -> web.Response:
        await metrics.refresh(pool)
        return web.Response(
            body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    app = web.Application()
    app.router.add_get("/metrics", scrape)
    if checks is not None:
        add_health_routes(app, checks)
    return app


@contextlib.asynccontextmanager
async def serving(
    metrics: NotifierMetrics,
    pool: asyncpg.Pool,
    host: str,
    port: int,
    checks: Checks | None = None,
) -> AsyncIterator[int | None]:
    """Serve /metrics (and /healthz, /readyz given `checks`) on host:port while inside;
    yields the bound port (None when off)."""
    if port == 0:
        yield None
        return
    runner = web.AppRunner(metrics_app(metrics, pool, checks), access_log=None, shutdown_timeout=1)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = int(runner.addresses[0][1])
        log.info("notifier_metrics_serving", host=host, port=bound)
        yield bound
    finally:
        await runner.cleanup()
