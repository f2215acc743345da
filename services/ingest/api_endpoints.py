"""Outgoing webhook endpoints: register, list, show. Scope: webhooks.

The signing secret (`whsec_` + base64 of 24 random bytes, Standard Webhooks) is
shown once, in the creation answer. Unless BOUNCEFLOW_ALLOW_PRIVATE_ENDPOINTS
is true, a URL whose host is or resolves to a loopback, private, link-local or
otherwise non-public address is refused.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

import asyncpg
from aiohttp import web

from services.ingest import keys, queries
from services.ingest.api_auth import require_scope
from services.ingest.api_models import (
    CreateEndpoint,
    Endpoint,
    EndpointCreated,
    EndpointList,
    ok,
    parse_body,
)
from services.ingest.errors import error_response

routes = web.RouteTableDef()

RESOLVE_TIMEOUT = 5.0  # seconds for the DNS lookup of an endpoint's host
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def new_secret() -> str:
    """A Standard Webhooks signing secret."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def is_public(address: IPAddress) -> bool:
    """False for loopback, private, link-local, reserved, shared (CGNAT), multicast..."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


async def _resolve(host: str, port: int) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(RESOLVE_TIMEOUT):
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # an IPv6 sockaddr may carry a zone ("fe80::1%eth0"): it is link-local either way
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


async def url_problem(url: str, allow_private: bool) -> str | None:
    """Why `url` cannot be an endpoint, or None when it can."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "url is not a valid URL"
    if parts.scheme not in ("http", "https"):
        return "url must be an http or https URL"
    host = parts.hostname
    if not host:
        return "url must name a host"
    if allow_private:
        return None
    try:
        addresses: list[IPAddress] = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = await _resolve(host, port)
        except (OSError, TimeoutError):
            return f"url host {host!r} does not resolve"
    if not addresses or not all(is_public(a) for a in addresses):
        return (
            "url resolves to a loopback, private or link-local address "
            "(set BOUNCEFLOW_ALLOW_PRIVATE_ENDPOINTS=true to allow)"
        )
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


@routes.post("/api/v1/webhook-endpoints")
@require_scope("webhooks")
async def create_endpoint(request: web.Request) -> web.StreamResponse:
    """Register an endpoint: 201 with its signing `secret` (shown only here); 400 for
    a bad body, a non-http(s) URL, or a private address when those are not allowed."""
    body = await parse_body(request, CreateEndpoint)
    url = body.url.strip()
    problem = await url_problem(url, request.app[keys.SETTINGS].allow_private_endpoints)
    if problem is not None:
        return error_response(400, problem, "invalid_url")
    secret = new_secret()
    async with request.app[keys.POOL].acquire() as conn:
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
async def list_endpoints(request: web.Request) -> web.StreamResponse:
    """Every endpoint, oldest first, without secrets."""
    async with request.app[keys.POOL].acquire() as conn:
        rows = await queries.endpoints(conn)
    return ok(EndpointList(endpoints=[_endpoint(row) for row in rows]))


@routes.get(r"/api/v1/webhook-endpoints/{id:\d{1,18}}")
@require_scope("webhooks")
async def get_endpoint(request: web.Request) -> web.StreamResponse:
    """One endpoint without its secret; 404 when there is none."""
    async with request.app[keys.POOL].acquire() as conn:
        row = await queries.endpoint(conn, int(request.match_info["id"]))
    if row is None:
        return error_response(404, "webhook endpoint not found")
    return ok(_endpoint(row))
