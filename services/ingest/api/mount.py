"""Mounts the management API on the ingest app: every resource's `routes` table, in one list.

Each resource folder's routes.py declares its handlers with `@routes.<method>`,
`@require_scope` and `@describe(Operation(...))`; the OpenAPI document is built
from exactly what is mounted here.
"""

from __future__ import annotations

from aiohttp import web

from services.ingest import health
from services.ingest.api.bounces import routes as bounces
from services.ingest.api.dashboard import routes as dashboard
from services.ingest.api.endpoints import deliveries
from services.ingest.api.endpoints import routes as endpoints
from services.ingest.api.mailgun import routes as mailgun
from services.ingest.api.openapi import routes as openapi
from services.ingest.api.stats import routes as stats
from services.ingest.api.subscribers import routes as subscribers
from services.ingest.api.suppressions import imports
from services.ingest.api.suppressions import routes as suppressions
from services.ingest.metrics import setup_metrics

TABLES = (
    health.routes,
    openapi.routes,
    bounces.routes,
    subscribers.routes,
    suppressions.routes,
    imports.routes,
    stats.routes,
    endpoints.routes,
    deliveries.routes,
    mailgun.routes,
    dashboard.routes,
)


def add_api_routes(app: web.Application) -> None:
    """Add every management API route to `app`, with its request metrics."""
    setup_metrics(app)
    app.middlewares.append(mailgun.mailgun_errors)
    app[openapi.SPEC] = {}
    for table in TABLES:
        app.add_routes(table)
