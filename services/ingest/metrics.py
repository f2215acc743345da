"""HTTP request metrics: a Prometheus registry of the app's own and the middleware feeding it.

The registry belongs to the app (not the process-global default), so two apps
in one process (tests, `bounceflow run`) never share or double-register series.
Routes are labelled by their pattern (`/api/v1/subscribers/{email}`), never the
raw path, so the label set stays small.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

UNMATCHED = "unmatched"


@dataclass(frozen=True, slots=True)
class HttpMetrics:
    registry: CollectorRegistry
    requests: Counter
    duration: Histogram

    @classmethod
    def create(cls) -> HttpMetrics:
        registry = CollectorRegistry()
        requests = Counter(
            "bounceflow_http_requests",
            "HTTP requests answered, by method, route pattern and status",
            ["method", "route", "status"],
            registry=registry,
        )
        duration = Histogram(
            "bounceflow_http_request_duration_seconds",
            "Time to answer an HTTP request, in seconds",
            ["method", "route"],
            registry=registry,
        )
        return cls(registry, requests, duration)


METRICS = web.AppKey("http_metrics", HttpMetrics)


def _route(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED


@web.middleware
async def count_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count every answer, including the HTTP exceptions and errors that escape."""
    metrics = request.app[METRICS]
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        route = _route(request)
        metrics.requests.labels(request.method, route, str(status)).inc()
        metrics.duration.labels(request.method, route).observe(time.perf_counter() - started)


def setup_metrics(app: web.Application) -> None:
    """Give `app` its registry and make the counting middleware the outermost one."""
    app[METRICS] = HttpMetrics.create()
    app.middlewares.insert(0, count_requests)
