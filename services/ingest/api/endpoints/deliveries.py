"""The attempt log and replays of outgoing webhooks. Scope: webhooks.

The handlers are routed by api_endpoints, which owns the webhook URL table. A
replayed delivery keeps its webhook-id, so a receiver that deduplicates on it
sees a replay of a message it already has as the same message.
"""

from __future__ import annotations

from collections import defaultdict

import asyncpg
from aiohttp import web

from services.ingest import state
from services.ingest.api.auth import require_scope
from services.ingest.api.cursors import decode_cursor, encode_cursor
from services.ingest.api.endpoints import queries
from services.ingest.api.endpoints.models import (
    ENDPOINT_ROUTE,
    Attempt,
    Delivery,
    DeliveryList,
    DeliveryPath,
    DeliveryQuery,
    EndpointPath,
    Replayed,
    ReplayRequest,
)
from services.ingest.api.http import ok, parse_body, parse_path, parse_query
from services.ingest.api.operations import Operation, describe
from services.ingest.errors import error_response
from shared.db import Conn

routes = web.RouteTableDef()

TAG = "webhook-endpoints"
ENDPOINT_NOT_FOUND = "webhook endpoint not found"


def _attempt(row: asyncpg.Record) -> Attempt:
    return Attempt(
        attempted_at=row["attempted_at"],
        status_code=row["status_code"],
        latency_ms=row["latency_ms"],
        error=row["error"],
        response_body=row["response_body"],
    )


async def _deliveries(conn: Conn, rows: list[asyncpg.Record]) -> list[Delivery]:
    """The rows as Delivery models, each with its attempts (one query for all)."""
    log: defaultdict[int, list[Attempt]] = defaultdict(list)
    for a in await queries.attempts(conn, [r["id"] for r in rows]):
        log[a["delivery_id"]].append(_attempt(a))
    return [
        Delivery(
            id=r["id"],
            endpoint_id=r["endpoint_id"],
            webhook_id=r["message_id"],
            event_type=r["event_type"],
            status=r["status"],
            attempt_count=r["attempts"],
            next_attempt_at=r["next_attempt_at"] if r["status"] == "pending" else None,
            last_status_code=r["last_status_code"],
            last_error=r["last_error"],
            created_at=r["created_at"],
            completed_at=r["completed_at"],
            attempts=log[r["id"]],
        )
        for r in rows
    ]


@routes.get(ENDPOINT_ROUTE + "/deliveries")
@require_scope("webhooks")
@describe(
    Operation(
        "An endpoint's deliveries with every attempt",
        tag=TAG,
        path=EndpointPath,
        query=DeliveryQuery,
        response=DeliveryList,
        errors=(404,),
    )
)
async def list_deliveries(request: web.Request) -> web.StreamResponse:
    """The endpoint's deliveries, newest first, each with its attempts (time, status
    code, latency, error, the first 2 KB of the answer). `status` filters; `limit`
    (1-100, default 20) and the `after` cursor page. 404 when there is no endpoint."""
    endpoint_id = parse_path(request, EndpointPath).id
    query = parse_query(request, DeliveryQuery)
    before = decode_cursor(query.after) if query.after else None
    async with request.app[state.POOL].acquire() as conn:
        if not await queries.endpoint_exists(conn, endpoint_id):
            return error_response(404, ENDPOINT_NOT_FOUND)
        rows = await queries.deliveries(
            conn, endpoint_id, limit=query.limit + 1, status=query.status, before_id=before
        )
        page = await _deliveries(conn, rows[: query.limit])
    more = len(rows) > query.limit
    return ok(
        DeliveryList(deliveries=page, next_cursor=encode_cursor(page[-1].id) if more else None)
    )


@routes.post(r"/api/v1/webhook-deliveries/{id:\d{1,18}}/retry")
@require_scope("webhooks")
@describe(
    Operation(
        "Deliver a webhook again",
        tag=TAG,
        path=DeliveryPath,
        response=Delivery,
        status=202,
        errors=(404, 409),
    )
)
async def retry_delivery(request: web.Request) -> web.StreamResponse:
    """Queue the delivery now, with the same webhook-id: a failed or succeeded one
    starts a new retry schedule, a pending one is just made due now. 409 while a
    notifier is sending it; 404 when there is none."""
    delivery_id = parse_path(request, DeliveryPath).id
    async with request.app[state.POOL].acquire() as conn:
        found = await queries.retry_delivery(conn, delivery_id)
        if isinstance(found, str):
            if found == "missing":
                return error_response(404, "webhook delivery not found")
            return error_response(409, "the delivery is being sent right now")
        (delivery,) = await _deliveries(conn, [found])
    return ok(delivery, status=202)


@routes.post(ENDPOINT_ROUTE + "/replay")
@require_scope("webhooks")
@describe(
    Operation(
        "Replay an endpoint's failed deliveries since a time",
        tag=TAG,
        path=EndpointPath,
        body=ReplayRequest,
        response=Replayed,
        status=202,
        errors=(404,),
    )
)
async def replay_failed(request: web.Request) -> web.StreamResponse:
    """Queue again every failed (dead-lettered or 410) delivery of the endpoint created
    at or after `since`, each with a new retry schedule and its own webhook-id. A
    disabled endpoint gets them once it is enabled. 404 when there is no endpoint."""
    endpoint_id = parse_path(request, EndpointPath).id
    body = await parse_body(request, ReplayRequest)
    async with request.app[state.POOL].acquire() as conn:
        if not await queries.endpoint_exists(conn, endpoint_id):
            return error_response(404, ENDPOINT_NOT_FOUND)
        count = await queries.replay_failed(conn, endpoint_id, body.since)
    return ok(Replayed(endpoint_id=endpoint_id, since=body.since, replayed=count), status=202)
