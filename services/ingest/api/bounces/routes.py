"""The bounce log and manual bounce reports (seed 000, CONTRACT §5). Scope: subscribers."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web

from services.ingest import state
from services.ingest.api.auth import API_KEY, require_scope
from services.ingest.api.bounces import queries
from services.ingest.api.bounces.models import (
    Bounce,
    BounceList,
    BounceQuery,
    BounceReported,
    IdempotencyHeaders,
    ReportBounce,
)
from services.ingest.api.cursors import decode_cursor, encode_cursor
from services.ingest.api.http import (
    envelope,
    json_response,
    ok,
    parse_body,
    parse_headers,
    parse_query,
)
from services.ingest.api.operations import Operation, describe
from services.ingest.errors import error_response
from shared import address
from shared.ledger import EventRecord, apply_events
from shared.models import Source
from shared.policy import HistoryKind

routes = web.RouteTableDef()

IDEMPOTENCY_HEADER = "Idempotency-Key"


@routes.get("/api/v1/bounces")
@require_scope("subscribers")
@describe(
    Operation(
        "List the bounce log",
        tag="bounces",
        query=BounceQuery,
        response=BounceList,
        errors=(422,),
    )
)
async def list_bounces(request: web.Request) -> web.StreamResponse:
    """The bounce log (hard, soft, complaint), newest first (seed 000).

    `limit` (1-100, default 20) and `offset`, or the keyset cursor `after` (the
    `next_cursor` of the previous page) for deep pages; filters `email`
    (case-insensitive), `bounce_type`, `source`, `domain` (the sending domain), and
    the RFC 3339 window `since` (inclusive) / `until` (exclusive). 400 names a bad parameter.
    """
    query = parse_query(request, BounceQuery)
    if query.after is not None and query.offset:
        return error_response(422, "use either 'offset' or 'after', not both")
    if query.since and query.until and query.since >= query.until:
        return error_response(422, "'until' must be after 'since'")
    where = queries.BounceFilter(
        email=address.fold(query.email) if query.email is not None else None,
        kind=query.bounce_type,
        source=query.source.value if query.source else None,
        domain=query.domain,
        since=query.since,
        until=query.until,
    )
    before_id = decode_cursor(query.after) if query.after is not None else None
    async with request.app[state.POOL].acquire() as conn:
        rows, total = await queries.bounces(
            conn, where, limit=query.limit, offset=query.offset, before_id=before_id
        )
    bounces = [
        Bounce(
            id=row["id"],
            email=row["email"],
            bounce_type=row["bounce_type"],
            bounce_subtype=row["bounce_subtype"],
            source=row["source"],
            campaign_name=row["campaign_name"],
            subscriber_name=row["subscriber_name"],
            # seed 000's created_at is when the bounce happened: the provider's event time
            # (for a manual report, the time it was received), not when the row was written
            created_at=row["occurred_at"],
            diagnostic_code=row["diagnostic_code"],
        )
        for row in rows
    ]
    # a full page may have more below it; a short one is the last
    cursor = encode_cursor(bounces[-1].id) if len(bounces) == query.limit else None
    return ok(
        BounceList(
            bounces=bounces,
            total=total,
            limit=query.limit,
            offset=query.offset,
            next_cursor=cursor,
        )
    )


@routes.post("/api/v1/bounces")
@require_scope("subscribers")
@describe(
    Operation(
        "Report a bounce by hand",
        tag="bounces",
        headers=IdempotencyHeaders,
        body=ReportBounce,
        response=BounceReported,
        errors=(409, 422),
    )
)
async def report_bounce(request: web.Request) -> web.StreamResponse:
    """Record a manual bounce and apply the policy before answering `{"bounce_id"}`.

    With an `Idempotency-Key` header, a repeat of the same request by the same
    API key answers the stored response with no second effect; the same key
    with a different body answers 422. The key is stored in the transaction
    that applies the bounce, so a failure leaves neither.
    """
    idempotency_key = parse_headers(request, IdempotencyHeaders).idempotency_key
    report = await parse_body(request, ReportBounce)
    fingerprint = hashlib.sha256(orjson.dumps(report.model_dump(), option=orjson.OPT_SORT_KEYS))
    api_key = request[API_KEY]
    settings = request.app[state.SETTINGS]
    async with request.app[state.POOL].acquire() as conn, conn.transaction():
        if idempotency_key is not None:
            stored = await queries.claim_idempotency_key(conn, api_key.id, idempotency_key)
            if stored is not None:
                return _replay(stored, fingerprint.hexdigest())
        record = _record(report, datetime.now(UTC))
        result = await apply_events(
            conn, [record], settings.soft_bounce_threshold, now=record.occurred_at
        )
        body = envelope(BounceReported(bounce_id=result.inserted[record.dedup_key]))
        if idempotency_key is not None:
            await queries.store_idempotent_response(
                conn,
                api_key.id,
                idempotency_key,
                {"status": 200, "body": body, "fingerprint": fingerprint.hexdigest()},
            )
    return json_response(body)


def _record(report: ReportBounce, now: datetime) -> EventRecord:
    return EventRecord(
        dedup_key="api:" + uuid.uuid4().hex,
        email=report.email,
        kind=HistoryKind(report.bounce_type),
        source=Source.API.value,
        occurred_at=now,
        bounce_subtype=report.bounce_subtype,
        diagnostic_code=report.diagnostic_code,
        campaign_name=report.campaign_name,
        subscriber_name=report.subscriber_name,
        ingest_id="evt_" + uuid.uuid4().hex,
        sending_domain=report.domain,
    )


def _replay(stored: dict[str, Any], fingerprint: str) -> web.Response:
    if "body" not in stored:
        # the row vanished between our insert and our read (a cleanup ran): let the client retry
        return error_response(409, f"{IDEMPOTENCY_HEADER} is being processed; retry")
    if stored.get("fingerprint") != fingerprint:
        return error_response(
            422,
            f"this {IDEMPOTENCY_HEADER} was already used with a different request body",
            "idempotency_key_reused",
        )
    return json_response(
        stored["body"], int(stored.get("status", 200)), headers={"Idempotent-Replayed": "true"}
    )
