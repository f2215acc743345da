"""Registers the management API, health and metrics routes on the ingest app."""

from __future__ import annotations

from aiohttp import web

from services.ingest import api_bounces, api_endpoints, api_subscribers, health
from services.ingest.metrics import setup_metrics


def add_api_routes(app: web.Application) -> None:
    """Add every management API route to `app`, with its request metrics."""
    setup_metrics(app)
    app.add_routes(health.routes)
    app.add_routes(api_bounces.routes)
    app.add_routes(api_subscribers.routes)
    app.add_routes(api_endpoints.routes)
