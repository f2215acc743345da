"""Registers the management API, health and metrics routes on the ingest app."""

from __future__ import annotations

from aiohttp import web
from pydantic import Field

from services.ingest import (
    api_bounces,
    api_docs,
    api_endpoints,
    api_import,
    api_stats,
    api_subscribers,
    health,
    mailgun_compat,
    suppressions,
)
from services.ingest.api_models import (
    ApiInput,
    CreateEndpoint,
    EndpointCreated,
    EndpointList,
)
from services.ingest.api_models import Endpoint as EndpointModel
from services.ingest.metrics import setup_metrics
from services.ingest.operations import Operation, describe


class EndpointPath(ApiInput):
    """The route's own pattern (1 to 18 digits) validates it."""

    id: int = Field(ge=0, le=10**18 - 1)


# api_endpoints' handlers, described here (the models are the ones they validate with)
describe(
    Operation(
        "Register an outgoing webhook endpoint",
        tag="webhook-endpoints",
        body=CreateEndpoint,
        response=EndpointCreated,
        status=201,
        links=(
            (
                "GetEndpoint",
                "GET",
                "/api/v1/webhook-endpoints/{id}",
                {"id": "$response.body#/data/id"},
            ),
        ),
    )
)(api_endpoints.create_endpoint)
describe(
    Operation("List outgoing webhook endpoints", tag="webhook-endpoints", response=EndpointList)
)(api_endpoints.list_endpoints)
describe(
    Operation(
        "Show one outgoing webhook endpoint",
        tag="webhook-endpoints",
        path=EndpointPath,
        response=EndpointModel,
        errors=(404,),
    )
)(api_endpoints.get_endpoint)


def add_api_routes(app: web.Application) -> None:
    """Add every management API route to `app`, with its request metrics."""
    setup_metrics(app)
    app.middlewares.append(mailgun_compat.mailgun_errors)
    app[api_docs.SPEC] = {}
    app.add_routes(health.routes)
    app.add_routes(api_docs.routes)
    app.add_routes(api_bounces.routes)
    app.add_routes(api_subscribers.routes)
    app.add_routes(suppressions.routes)
    app.add_routes(api_import.routes)
    app.add_routes(api_stats.routes)
    app.add_routes(api_endpoints.routes)
    app.add_routes(mailgun_compat.routes)
