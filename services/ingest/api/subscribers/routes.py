"""Subscribers: one by address, a page by status, and manual status changes.

Scope: subscribers. Addresses are matched case-insensitively (stored lower-cased).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
from aiohttp import web

from services.ingest import state
from services.ingest.api.auth import require_scope
from services.ingest.api.fields import EmailPath
from services.ingest.api.http import ok, parse_body, parse_path, parse_query
from services.ingest.api.operations import Operation, describe
from services.ingest.api.subscribers import queries
from services.ingest.api.subscribers.models import (
    Subscriber,
    SubscriberList,
    SubscriberQuery,
    UpdateSubscriber,
)
from services.ingest.errors import error_response
from shared import address
from shared.ledger import EventRecord, apply_events
from shared.models import Source
from shared.policy import HistoryKind

routes = web.RouteTableDef()

NOT_FOUND = "subscriber not found"


def _subscriber(row: asyncpg.Record) -> Subscriber:
    return Subscriber(
        email=row["email"],
        name=row["name"],
        status=row["status"],
        bounce_count=row["bounce_count"],
        soft_streak=row["soft_streak"],
        last_bounce_at=row["last_bounce_at"],
        status_changed_at=row["status_changed_at"],
    )


@routes.get("/api/v1/subscribers")
@require_scope("subscribers")
@describe(
    Operation(
        "List subscribers by status",
        tag="subscribers",
        query=SubscriberQuery,
        response=SubscriberList,
    )
)
async def list_subscribers(request: web.Request) -> web.StreamResponse:
    """Subscribers by address, optionally of one `status` (seed 002's "query bounced
    contacts"); `limit` (1-100, default 20) and `offset`. 400 names a bad parameter."""
    query = parse_query(request, SubscriberQuery)
    async with request.app[state.POOL].acquire() as conn:
        rows, total = await queries.subscribers(
            conn,
            status=query.status.value if query.status else None,
            limit=query.limit,
            offset=query.offset,
        )
    return ok(
        SubscriberList(
            subscribers=[_subscriber(row) for row in rows],
            total=total,
            limit=query.limit,
            offset=query.offset,
        )
    )


@routes.get("/api/v1/subscribers/{email}")
@require_scope("subscribers")
@describe(
    Operation(
        "Show one subscriber", tag="subscribers", path=EmailPath, response=Subscriber, errors=(404,)
    )
)
async def get_subscriber(request: web.Request) -> web.StreamResponse:
    """One subscriber's state; 404 for an address never seen."""
    email = address.fold(parse_path(request, EmailPath).email)
    async with request.app[state.POOL].acquire() as conn:
        row = await queries.subscriber(conn, email)
    if row is None:
        return error_response(404, NOT_FOUND)
    return ok(_subscriber(row))


@routes.patch("/api/v1/subscribers/{email}")
@require_scope("subscribers")
@describe(
    Operation(
        "Change a subscriber's status",
        tag="subscribers",
        path=EmailPath,
        body=UpdateSubscriber,
        response=Subscriber,
        errors=(404,),
    )
)
async def update_subscriber(request: web.Request) -> web.StreamResponse:
    """Set a subscriber's status by hand (`{"status": "active"}` reactivates).

    Applied through the ledger as a manual event timed now: the soft streak
    restarts, and events older than the change no longer matter. 404 for an
    address never seen; the answer is the subscriber after the change.
    """
    email = address.fold(parse_path(request, EmailPath).email)
    change = await parse_body(request, UpdateSubscriber)
    settings = request.app[state.SETTINGS]
    now = datetime.now(UTC)
    async with request.app[state.POOL].acquire() as conn, conn.transaction():
        if await queries.subscriber(conn, email) is None:
            return error_response(404, NOT_FOUND)
        record = EventRecord(
            dedup_key="api:" + uuid.uuid4().hex,
            email=email,
            kind=HistoryKind.MANUAL,
            source=Source.API.value,
            occurred_at=now,
            set_status=change.status,
            ingest_id="evt_" + uuid.uuid4().hex,
        )
        await apply_events(conn, [record], settings.soft_bounce_threshold, now=now)
        row = await queries.subscriber(conn, email)
    assert row is not None
    return ok(_subscriber(row))
