"""The processor's Prometheus metrics: a registry of its own (never the process-global
one, so `bounceflow run` and tests can hold several), served as GET /metrics on the
processor's health port (BOUNCEFLOW_PROCESSOR_HEALTH_PORT; 0: not served).

`bounceflow_unrecognised_events_total{provider, reason}` counts the event types a
parser met that no classification row knows (a provider format change to look at):
reason `unknown_event_type` when nothing in it named a recipient (counted and logged,
the rest of the request is applied), `unclassifiable_recipient` when it named one
(the request is dead-lettered as well, for a redrive after an upgrade).
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter
from prometheus_client.exposition import generate_latest

UNKNOWN_EVENT_TYPE = "unknown_event_type"
UNCLASSIFIABLE_RECIPIENT = "unclassifiable_recipient"


@dataclass(frozen=True, slots=True)
class ProcessorMetrics:
    registry: CollectorRegistry
    unrecognised: Counter  # labels: provider, reason

    @classmethod
    def create(cls) -> ProcessorMetrics:
        r = CollectorRegistry()
        return cls(
            registry=r,
            unrecognised=Counter(
                "bounceflow_unrecognised_events",
                "Provider event types no classification rule knows, by provider and reason "
                "(unknown_event_type; unclassifiable_recipient: also dead-lettered)",
                ["provider", "reason"],
                registry=r,
            ),
        )

    def unrecognised_count(self, provider: str, reason: str) -> float:
        """The counter's current value (0 when never incremented)."""
        value = self.registry.get_sample_value(
            "bounceflow_unrecognised_events_total", {"provider": provider, "reason": reason}
        )
        return value or 0.0


def add_metrics_route(app: web.Application, metrics: ProcessorMetrics) -> None:
    """Mount GET /metrics (Prometheus text format) on `app`."""

    async def scrape(_request: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    app.router.add_get("/metrics", scrape)
