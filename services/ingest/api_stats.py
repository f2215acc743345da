"""`GET /api/v1/stats`: delivered, bounces, complaints, their rates and seed 002's levels.

Scope: subscribers. Counts events by their event time in [since, until),
overall and per source; imported suppression lists are history without the
sends they came from, so they are not counted. Definitions: services.ingest.stats.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from aiohttp import web
from pydantic import BaseModel, Field

from services.ingest import keys
from services.ingest.api_auth import require_scope
from services.ingest.api_models import ApiInput, Rfc3339, UtcTimestamp, ok, parse_query
from services.ingest.errors import error_response
from services.ingest.operations import Operation, describe
from services.ingest.stats import Counts, Level, health

routes = web.RouteTableDef()

DEFAULT_WINDOW = timedelta(days=30)

# deliveries live in their own table (shared/migrations/0005), never imported
_COUNTS = """
SELECT source, kind, count(*) AS n FROM events
WHERE occurred_at >= $1 AND occurred_at < $2
  AND kind IN ('hard', 'soft', 'complaint')
  AND dedup_key NOT LIKE 'import:%'
GROUP BY source, kind
UNION ALL
SELECT source, 'delivery', count(*) FROM deliveries
WHERE occurred_at >= $1 AND occurred_at < $2
GROUP BY source
"""


class StatsQuery(ApiInput):
    since: Rfc3339 | None = Field(
        default=None, description="RFC 3339, inclusive; default: 30 days before `until`"
    )
    until: Rfc3339 | None = Field(default=None, description="RFC 3339, exclusive; default: now")


class StatsBlock(BaseModel):
    delivered: int
    hard: int
    soft: int
    complaints: int
    sent: int = Field(description="delivered + hard + soft")
    bounce_rate: float = Field(description="(hard + soft) / sent, a fraction")
    hard_bounce_rate: float = Field(description="hard / sent, a fraction")
    complaint_rate: float = Field(description="complaints / delivered, a fraction")
    bounce_status: Level = Field(description="hard bounce rate: <2% safe, 2-5% warning, >5% danger")
    complaint_status: Level = Field(
        description="complaint rate: <0.10% safe, 0.10-0.30% warning, >0.30% danger"
    )
    status: Level = Field(description="the worse of the two")


class SourceStats(StatsBlock):
    source: str


class Stats(StatsBlock):
    since: UtcTimestamp
    until: UtcTimestamp
    by_source: list[SourceStats]


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
    complaint rates and their levels (seed 002), overall and per source."""
    query = parse_query(request, StatsQuery)
    until = query.until or datetime.now(UTC)
    since = query.since or _before(until, DEFAULT_WINDOW)
    if since >= until:
        return error_response(422, "'until' must be after 'since'")
    async with request.app[keys.POOL].acquire() as conn:
        rows = await conn.fetch(_COUNTS, since, until)
    by_source: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        by_source[row["source"]][row["kind"]] = int(row["n"])
    per_source = {
        source: Counts(
            delivered=k.get("delivery", 0),
            hard=k.get("hard", 0),
            soft=k.get("soft", 0),
            complaints=k.get("complaint", 0),
        )
        for source, k in sorted(by_source.items())
    }
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
