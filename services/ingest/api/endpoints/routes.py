"""Outgoing webhook endpoints: register, list, show, change, delete, rotate the secret.
Scope: webhooks. The attempt log and replays: deliveries.py.

The signing secret (`whsec_` + base64 of 24 random bytes, Standard Webhooks) is
shown once, at creation or rotation. Unless BOUNCEFLOW_ALLOW_PRIVATE_ENDPOINTS
is true, a URL whose host is or resolves to a loopback, private, link-local,
CGNAT or reserved address is refused (shared.netguard; the notifier checks
again, on the address it connects to, at every delivery).
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import socket

import asyncpg
from aiohttp import web

from services.ingest import state
from services.ingest.api.auth import require_scope
from services.ingest.api.endpoints import queries
from services.ingest.api.endpoints.models import (
    ENDPOINT_ROUTE,
    CreateEndpoint,
    Endpoint,
    EndpointCreated,
    EndpointDeleted,
    EndpointList,
    EndpointPath,
    SecretRotated,
    UpdateEndpoint,
)
from services.ingest.api.http import ok, parse_body, parse_path
from services.ingest.api.operations import Operation, describe
from services.ingest.errors import error_response
from shared import netguard

routes = web.RouteTableDef()

RESOLVE_TIMEOUT = 5.0  # seconds for the DNS lookup of an endpoint's host
NOT_FOUND = "webhook endpoint not found"
TAG = "webhook-endpoints"


def new_secret() -> str:
    """A Standard Webhooks signing secret."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


async def resolve_host(host: str, port: int) -> list[netguard.IPAddress]:
    """Every address `host` resolves to (tests replace this with a stub)."""
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(RESOLVE_TIMEOUT):
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [netguard.ip_address(str(info[4][0])) for info in infos]


async def url_problem(url: str, allow_private: bool) -> str | None:
    """Why `url` cannot be an endpoint, or None when it can."""
    target = netguard.parse_target(url)
    if isinstance(target, str):
        return target
    if allow_private:
        return None
    literal = target.literal
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = await resolve_host(target.host, target.port)
        except (OSError, TimeoutError, ValueError):
            return f"url host {target.host!r} does not resolve"
    if not netguard.all_public(addresses):
        return "url " + netguard.PRIVATE_REFUSAL
    return None


def _endpoint(row: asyncpg.Record) -> Endpoint:
    return Endpoint(
        id=row["id"],
        url=row["url"],
        events=list(row["events"]),
        enabled=row["enabled"],
        description=row["description"],
        disabled_reason=row["disabled_reason"],
        created_at=row["created_at"],
    )


def _endpoint_id(request: web.Request) -> int:
    return parse_path(request, EndpointPath).id


@routes.post("/api/v1/webhook-endpoints")
@require_scope("webhooks")
@describe(
    Operation(
        "Register an outgoing webhook endpoint",
        tag=TAG,
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
)
async def create_endpoint(request: web.Request) -> web.StreamResponse:
    """Register an endpoint: 201 with its signing `secret` (shown only here); 400 for
    a bad body, a non-http(s) URL, or a private address when those are not allowed."""
    body = await parse_body(request, CreateEndpoint)
    url = body.url.strip()
    problem = await url_problem(url, request.app[state.SETTINGS].allow_private_endpoints)
    if problem is not None:
        return error_response(400, problem, "invalid_url")
    secret = new_secret()
    async with request.app[state.POOL].acquire() as conn:
        row = await queries.create_endpoint(
            conn,
            url=url,
            events=list(dict.fromkeys(body.events)),
            description=body.description,
            enabled=body.enabled,
            secret=secret,
        )
    created = EndpointCreated(**_endpoint(row).model_dump(), secret=secret)
    return ok(created, status=201)


@routes.get("/api/v1/webhook-endpoints")
@require_scope("webhooks")
@describe(Operation("List outgoing webhook endpoints", tag=TAG, response=EndpointList))
async def list_endpoints(request: web.Request) -> web.StreamResponse:
    """Every endpoint, oldest first, without secrets."""
    async with request.app[state.POOL].acquire() as conn:
        rows = await queries.endpoints(conn)
    return ok(EndpointList(endpoints=[_endpoint(row) for row in rows]))


@routes.get(ENDPOINT_ROUTE)
@require_scope("webhooks")
@describe(
    Operation(
        "Show one outgoing webhook endpoint",
        tag=TAG,
        path=EndpointPath,
        response=Endpoint,
        errors=(404,),
    )
)
async def get_endpoint(request: web.Request) -> web.StreamResponse:
    """One endpoint without its secret; 404 when there is none."""
    async with request.app[state.POOL].acquire() as conn:
        row = await queries.endpoint(conn, int(request.match_info["id"]))
    if row is None:
        return error_response(404, NOT_FOUND)
    return ok(_endpoint(row))


@routes.patch(ENDPOINT_ROUTE)
@require_scope("webhooks")
@describe(
    Operation(
        "Change an outgoing webhook endpoint",
        tag=TAG,
        path=EndpointPath,
        body=UpdateEndpoint,
        response=Endpoint,
        errors=(404,),
    )
)
async def update_endpoint(request: web.Request) -> web.StreamResponse:
    """Change `url`, `events`, `description` or `enabled` (absent fields stay).

    Enabling clears `disabled_reason` and the failure streak, and pending
    deliveries go out again; a new URL is checked as at registration (400).
    """
    endpoint_id = _endpoint_id(request)
    change = await parse_body(request, UpdateEndpoint)
    url = change.url.strip() if change.url is not None else None
    if url is not None:
        problem = await url_problem(url, request.app[state.SETTINGS].allow_private_endpoints)
        if problem is not None:
            return error_response(400, problem, "invalid_url")
    events: list[str] | None = None
    if change.events is not None:
        events = list(dict.fromkeys(change.events))
    async with request.app[state.POOL].acquire() as conn:
        row = await queries.update_endpoint(
            conn,
            endpoint_id,
            url=url,
            events=events,
            description=change.description,
            enabled=change.enabled,
        )
    if row is None:
        return error_response(404, NOT_FOUND)
    return ok(_endpoint(row))


@routes.delete(ENDPOINT_ROUTE)
@require_scope("webhooks")
@describe(
    Operation(
        "Delete an outgoing webhook endpoint",
        tag=TAG,
        path=EndpointPath,
        response=EndpointDeleted,
        errors=(404,),
    )
)
async def delete_endpoint(request: web.Request) -> web.StreamResponse:
    """Delete the endpoint, its deliveries and their attempt log; 404 when there is none."""
    endpoint_id = _endpoint_id(request)
    async with request.app[state.POOL].acquire() as conn:
        deleted = await queries.delete_endpoint(conn, endpoint_id)
    if not deleted:
        return error_response(404, NOT_FOUND)
    return ok(EndpointDeleted(id=endpoint_id))


@routes.post(ENDPOINT_ROUTE + "/rotate-secret")
@require_scope("webhooks")
@describe(
    Operation(
        "Rotate an endpoint's signing secret",
        tag=TAG,
        path=EndpointPath,
        response=SecretRotated,
        errors=(404,),
    )
)
async def rotate_secret(request: web.Request) -> web.StreamResponse:
    """A new signing secret, shown only in this answer. The old one keeps signing for
    24 h (every webhook carries both signatures meanwhile), so receivers can switch
    without dropping a message. Rotating again within 24 h retires the oldest at once."""
    endpoint_id = _endpoint_id(request)
    secret = new_secret()
    async with request.app[state.POOL].acquire() as conn:
        expires = await queries.rotate_secret(conn, endpoint_id, secret)
    if expires is None:
        return error_response(404, NOT_FOUND)
    return ok(SecretRotated(id=endpoint_id, secret=secret, previous_secret_expires_at=expires))


# the attempt log and replays live in api_deliveries; their URLs are routed here
