"""`GET /api/v1/stats`: delivered, bounces, complaints, their rates and seed 002's levels.

Scope: subscribers. Counts events by their event time in [since, until),
overall and per source; imported suppression lists are history without the
sends they came from, so they are not counted. Definitions: services.ingest.api.stats.levels.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web

from services.ingest import state
from services.ingest.api.auth import require_scope
from services.ingest.api.http import ok, parse_query
from services.ingest.api.operations import Operation, describe
from services.ingest.api.stats import queries
from services.ingest.api.stats.levels import Counts, health
from services.ingest.api.stats.models import Stats, StatsQuery
from services.ingest.errors import error_response

routes = web.RouteTableDef()

DEFAULT_WINDOW = timedelta(days=30)


def block(counts: Counts) -> dict[str, object]:
    """The StatsBlock fields of `counts`."""
    h = health(counts)
    return {
        "delivered": counts.delivered,
        "hard": counts.hard,
        "soft": counts.soft,
        "complaints": counts.complaints,
        "sent": counts.sent,
        "bounce_rate": h.bounce_rate,
        "hard_bounce_rate": h.hard_bounce_rate,
        "complaint_rate": h.complaint_rate,
        "bounce_status": h.bounce_status,
        "complaint_status": h.complaint_status,
        "status": h.status,
    }


def _before(when: datetime, window: timedelta) -> datetime:
    try:
        return when - window
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


@routes.get("/api/v1/stats")
@require_scope("subscribers")
@describe(
    Operation(
        "Sending health over a time window",
        tag="stats",
        query=StatsQuery,
        response=Stats,
        errors=(422,),
    )
)
async def stats(request: web.Request) -> web.StreamResponse:
    """Delivered, hard, soft and complaints in [`since`, `until`), the bounce and
    complaint rates and their levels (seed 002), overall and per source; `domain`
    counts only what was sent from that sending domain."""
    query = parse_query(request, StatsQuery)
    until = query.until or datetime.now(UTC)
    since = query.since or _before(until, DEFAULT_WINDOW)
    if since >= until:
        return error_response(422, "'until' must be after 'since'")
    async with request.app[state.POOL].acquire() as conn:
        per_source = await queries.counts_by_source(conn, since, until, query.domain)
    total = sum(per_source.values(), Counts())
    return ok(
        Stats.model_validate(
            {
                **block(total),
                "since": since,
                "until": until,
                "by_source": [{"source": s, **block(c)} for s, c in per_source.items()],
            }
        )
    )
