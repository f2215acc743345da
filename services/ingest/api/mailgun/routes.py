"""Mailgun's bounces API (seed 003) at `/v3/{domain}/bounces`, and `/v2/` as an alias.

A drop-in for Mailgun clients: basic auth `api:<key>` (a key with scope
`subscribers`), Mailgun's bodies, messages and RFC 2822 dates, `{"message"}`
errors. `{domain}` is the sending domain (case-insensitive), as at Mailgun.

Each domain has its bounces table (services.ingest.api.mailgun.queries): the bounced
subscribers that domain's bounces (or global ones) hold; its `created_at` is the latest
bounce's event time, its `code` and `error` those of the bounce recorded last (so adding
an address again updates it: an upsert). Adding records a hard bounce sent from the
domain. Deleting clears the domain's bounces of the address, and reactivates it (a
manual change) unless another domain's bounce still holds it: a suppression is global
(README "Sending domains"). Both go through `shared.ledger.apply_events`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import structlog
from aiohttp import web

from services.ingest import state
from services.ingest.api.auth import Handler, mailgun_error, require_scope
from services.ingest.api.http import parse_path, parse_query
from services.ingest.api.mailgun import queries
from services.ingest.api.mailgun.models import (
    ADDED,
    ALL_REMOVED,
    NOT_FOUND,
    REMOVED,
    UNSUBSCRIBED,
    AddBounce,
    AddressPath,
    BounceAdded,
    DomainPath,
    MailgunBounce,
    MailgunBounceList,
    MailgunListQuery,
    MailgunMessage,
    parse_bounces,
)
from services.ingest.api.operations import Operation, describe
from services.ingest.errors import DATABASE_RETRY_AFTER
from shared import address as addresses
from shared.db_errors import is_unavailable
from shared.ledger import EventRecord, apply_events
from shared.models import Source, Status
from shared.policy import HistoryKind

log = structlog.get_logger(__name__)
routes = web.RouteTableDef()

PREFIXES = ("/v3", "/v2")
CLEAR_BATCH = 5_000  # addresses reactivated per transaction by "delete all"


def mailgun_route(method: str, path: str) -> Callable[[Handler], Handler]:
    """Route a handler under every Mailgun API version prefix (/v3, and its alias /v2)."""

    def register(handler: Handler) -> Handler:
        for prefix in PREFIXES:
            routes.route(method, prefix + path)(handler)
        return handler

    return register


@mailgun_route("GET", "/{domain}/bounces")
@require_scope("subscribers", mailgun_error)
@describe(
    Operation(
        "List the bounces table (Mailgun)",
        tag="mailgun",
        style="mailgun",
        path=DomainPath,
        query=MailgunListQuery,
        response=MailgunBounceList,
        errors=(404,),
    )
)
async def list_bounces(request: web.Request) -> web.StreamResponse:
    """The bounces table, newest first: `limit` (default 100, max 1000) and `skip`
    (seed 003), or Mailgun's `page` cursors as linked in `paging`."""
    domain = parse_path(request, DomainPath).domain
    query = parse_query(request, MailgunListQuery)
    async with request.app[state.POOL].acquire() as conn:
        found = await queries.page(conn, domain, query)
    if found is None:
        return mailgun_error(404, "Page cursor address not found")
    rows, total = found
    items = [queries.item(row) for row in rows]
    body = MailgunBounceList(
        items=items, paging=queries.paging(request, query, items), total_count=total
    )
    return web.json_response(body.model_dump(mode="json"))


@mailgun_route("GET", "/{domain}/bounces/{address}")
@require_scope("subscribers", mailgun_error)
@describe(
    Operation(
        "Show one bounce (Mailgun)",
        tag="mailgun",
        style="mailgun",
        path=AddressPath,
        response=MailgunBounce,
        errors=(404,),
    )
)
async def get_bounce(request: web.Request) -> web.StreamResponse:
    """One address of the bounces table; 404 `Address not found in bounces table`."""
    path = parse_path(request, AddressPath)
    async with request.app[state.POOL].acquire() as conn:
        row = await queries.one(conn, path.domain, addresses.fold(path.address))
    if row is None:
        return mailgun_error(404, NOT_FOUND)
    return web.json_response(queries.item(row).model_dump(mode="json"))


def _hard(bounce: AddBounce, domain: str, now: datetime) -> EventRecord:
    return EventRecord(
        dedup_key="mailgun-api:" + uuid.uuid4().hex,
        email=bounce.address,
        kind=HistoryKind.HARD,
        source=Source.API.value,
        # now, not the client's created_at: an earlier time could predate a manual
        # reactivation, and the policy would rightly ignore it; the add must take effect
        occurred_at=now,
        smtp_code=bounce.code,
        diagnostic_code=bounce.error or None,
        ingest_id="evt_" + uuid.uuid4().hex,
        sending_domain=domain,
    )


def _reactivation(email: str, now: datetime) -> EventRecord:
    return EventRecord(
        dedup_key="mailgun-api:" + uuid.uuid4().hex,
        email=email,
        kind=HistoryKind.MANUAL,
        source=Source.API.value,
        occurred_at=now,
        set_status=Status.ACTIVE,
        ingest_id="evt_" + uuid.uuid4().hex,
    )


@mailgun_route("POST", "/{domain}/bounces")
@require_scope("subscribers", mailgun_error)
@describe(
    Operation(
        "Add bounces (Mailgun)",
        tag="mailgun",
        style="mailgun",
        path=DomainPath,
        body=AddBounce,
        body_array_max=1000,
        body_form=True,
        response=BounceAdded,
        errors=(409, 413),
        links=tuple(
            (
                f"{verb}Bounce",
                verb.upper(),
                "/v3/{domain}/bounces/{address}",
                {"domain": "$request.path.domain", "address": "$response.body#/address"},
            )
            for verb in ("get", "delete")
        ),
    )
)
async def add_bounces(request: web.Request) -> web.StreamResponse:
    """Add (or update) bounces: a form or JSON object `address`, `code` (default 550),
    `error` (default empty), or a JSON array
    of up to 1,000 of them. The policy has been applied when it answers; an address
    unsubscribed by a complaint stays so (409 for a single one)."""
    domain = parse_path(request, DomainPath).domain
    bounces, single = await parse_bounces(request)
    now = datetime.now(UTC)
    threshold = request.app[state.SETTINGS].soft_bounce_threshold
    async with request.app[state.POOL].acquire() as conn:
        result = await apply_events(
            conn, [_hard(b, domain, now) for b in bounces], threshold, now=now
        )
    added = {e for e, d in result.decisions.items() if d.state.status is Status.BOUNCED}
    if single:
        if bounces[0].address not in added:
            return mailgun_error(409, UNSUBSCRIBED)
        body = BounceAdded(message=ADDED, address=bounces[0].address)
    else:
        body = BounceAdded(message=f"{len(added)} addresses have been added to the bounces table")
    return web.json_response(body.model_dump(mode="json", exclude_none=True))


@mailgun_route("DELETE", "/{domain}/bounces/{address}")
@require_scope("subscribers", mailgun_error)
@describe(
    Operation(
        "Clear one bounce (Mailgun)",
        tag="mailgun",
        style="mailgun",
        path=AddressPath,
        response=BounceAdded,
        errors=(404,),
    )
)
async def delete_bounce(request: web.Request) -> web.StreamResponse:
    """Clear the domain's bounces of an address: it is `active` again (a manual change
    through the ledger) unless another domain's bounce still holds it."""
    path = parse_path(request, AddressPath)
    address = addresses.fold(path.address)
    now = datetime.now(UTC)
    threshold = request.app[state.SETTINGS].soft_bounce_threshold
    async with request.app[state.POOL].acquire() as conn, conn.transaction():
        if await queries.one(conn, path.domain, address) is None:
            return mailgun_error(404, NOT_FOUND)
        if await queries.clear(conn, path.domain, [address], now):
            await apply_events(conn, [_reactivation(address, now)], threshold, now=now)
    return web.json_response({"message": REMOVED, "address": address})


@mailgun_route("DELETE", "/{domain}/bounces")
@require_scope("subscribers", mailgun_error)
@describe(
    Operation(
        "Clear the bounces table (Mailgun)",
        tag="mailgun",
        style="mailgun",
        path=DomainPath,
        response=MailgunMessage,
    )
)
async def delete_all(request: web.Request) -> web.StreamResponse:
    """Clear every address of the domain's bounces table, in batches (each its own
    transaction); as DELETE of each one."""
    domain = parse_path(request, DomainPath).domain
    threshold = request.app[state.SETTINGS].soft_bounce_threshold
    last = ""
    async with request.app[state.POOL].acquire() as conn:
        while True:
            emails = await queries.held_after(conn, domain, last, CLEAR_BATCH)
            if not emails:
                break
            now = datetime.now(UTC)
            async with conn.transaction():
                free = await queries.clear(conn, domain, emails, now)
                events = [_reactivation(e, now) for e in free]
                await apply_events(conn, events, threshold, now=now)
            last = emails[-1]
    return web.json_response({"message": ALL_REMOVED})


def is_mailgun_path(path: str) -> bool:
    return path.startswith(tuple(p + "/" for p in PREFIXES))


@web.middleware
async def mailgun_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Under /v2 and /v3, every error is Mailgun's `{"message": ...}`."""
    if not is_mailgun_path(request.path):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        text = exc.text or exc.reason
        message = text.split(": ", 1)[1] if text.startswith(f"{exc.status}: ") else text
        keep = {k: v for k, v in exc.headers.items() if k.lower() in ("allow", "www-authenticate")}
        return mailgun_error(exc.status, message, keep or None)
    except Exception as exc:
        if is_unavailable(exc):  # the database is away: retry later, not a bug
            log.warning("database_unavailable", path=request.path, error=repr(exc)[:200])
            retry = {"Retry-After": str(DATABASE_RETRY_AFTER)}
            return mailgun_error(503, "the database is unavailable; retry later", retry)
        log.exception("unhandled_error", path=request.path, method=request.method)
        return mailgun_error(500, "internal error")
