"""The dashboard (issue 9): a public page shell and the read routes it draws from.

`GET /dashboard` and its assets are public and hold no data: every number on the
page comes from the authenticated API, fetched by the page with the key the user
typed (or brought in the `#key=` fragment), kept only in sessionStorage. The
shell forbids everything but our own scripts, styles and API (CSP
`default-src 'self'`) and sends no Referer.

Data routes (scope subscribers; a `subscribers:read` key may read them):
`/api/v1/stats/series` (rates per day or hour), `/api/v1/stats/breakdown` (by
kind, source, campaign, recipient domain; sending domain once events record it),
`/api/v1/stats/endpoint-health` (outgoing endpoints' health, URLs cut to origin).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from importlib import resources

from aiohttp import web

from services.ingest import state
from services.ingest.api.auth import require_scope
from services.ingest.api.dashboard import queries
from services.ingest.api.dashboard.models import (
    MAX_BUCKETS,
    Breakdown,
    BreakdownQuery,
    EndpointHealth,
    EndpointHealthList,
    Series,
    SeriesQuery,
    Window,
)
from services.ingest.api.http import ok, parse_query
from services.ingest.api.operations import Operation, describe
from services.ingest.api.stats.levels import Counts
from services.ingest.api.stats.routes import DEFAULT_WINDOW, block
from services.ingest.errors import error_response

routes = web.RouteTableDef()

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SHELL_HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}
ASSETS = {
    "dashboard.html": "text/html",
    "app.js": "text/javascript",
    "chart.js": "text/javascript",
    "app.css": "text/css",
}
BUCKETS = {"day": timedelta(days=1), "hour": timedelta(hours=1)}
NO_SENDING_DOMAIN = (
    "by=domain needs the sending domain, which events do not record yet; "
    "by=recipient_domain groups by the recipient's domain"
)


def _asset(name: str) -> web.Response:
    body = (resources.files(__package__) / "static" / name).read_bytes()
    return web.Response(body=body, content_type=ASSETS[name], headers=SHELL_HEADERS)


def _page(name: str, summary: str) -> Operation:
    return Operation(summary, tag="service", style="plain", response_media=ASSETS[name])


@routes.get("/dashboard")
@describe(_page("dashboard.html", "The dashboard page (public shell; data via the API)"))
async def dashboard(request: web.Request) -> web.StreamResponse:
    """The dashboard's HTML: no data in it, and no inline script or style."""
    return _asset("dashboard.html")


@routes.get("/dashboard/app.js")
@describe(_page("app.js", "The dashboard's script"))
async def app_js(request: web.Request) -> web.StreamResponse:
    """The dashboard's JavaScript module."""
    return _asset("app.js")


@routes.get("/dashboard/chart.js")
@describe(_page("chart.js", "The dashboard's SVG charts"))
async def chart_js(request: web.Request) -> web.StreamResponse:
    """The dashboard's chart module (inline SVG, no library)."""
    return _asset("chart.js")


@routes.get("/dashboard/app.css")
@describe(_page("app.css", "The dashboard's style sheet"))
async def app_css(request: web.Request) -> web.StreamResponse:
    """The dashboard's CSS."""
    return _asset("app.css")


def window(query: Window) -> tuple[datetime, datetime] | web.Response:
    """[since, until) with GET /api/v1/stats' defaults, or the 422 answer."""
    until = query.until or datetime.now(UTC)
    since = query.since
    if since is None:
        try:
            since = until - DEFAULT_WINDOW
        except OverflowError:
            since = datetime.min.replace(tzinfo=UTC)
    if since >= until:
        return error_response(422, "'until' must be after 'since'")
    return since, until


def bucket_starts(since: datetime, until: datetime, bucket: str) -> list[datetime] | None:
    """The UTC starts of every bucket meeting [since, until); None past MAX_BUCKETS."""
    first = since.replace(minute=0, second=0, microsecond=0)
    if bucket == "day":
        first = first.replace(hour=0)
    width = BUCKETS[bucket]
    count = math.ceil((until - first) / width)
    if count > MAX_BUCKETS:
        return None
    return [first + i * width for i in range(count)]


@routes.get("/api/v1/stats/series")
@require_scope("subscribers")
@describe(
    Operation(
        "Sending health per day or hour",
        tag="stats",
        query=SeriesQuery,
        response=Series,
        errors=(422,),
    )
)
async def stats_series(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/stats' numbers for each UTC day or hour of [`since`, `until`), empty
    buckets included; 422 when the window holds more than 1000 buckets."""
    query = parse_query(request, SeriesQuery)
    span = window(query)
    if isinstance(span, web.Response):
        return span
    since, until = span
    starts = bucket_starts(since, until, query.bucket)
    if starts is None:
        return error_response(422, f"more than {MAX_BUCKETS} {query.bucket} buckets: narrow it")
    async with request.app[state.POOL].acquire() as conn:
        counts = await queries.series(conn, since, until, query.bucket)
    points = [{"start": s, **block(counts.get(s, Counts()))} for s in starts]
    data = {"since": since, "until": until, "bucket": query.bucket, "points": points}
    return ok(Series.model_validate(data))


def group_row(key: str | None, counts: Counts, delivered_known: bool) -> dict[str, object]:
    """A Group: the full stats block, or only the counts when deliveries are unknown."""
    row: dict[str, object] = {"key": key, "events": counts.sent + counts.complaints}
    if delivered_known:
        return row | block(counts)
    unknown = ("delivered", "sent", "bounce_rate", "hard_bounce_rate", "complaint_rate")
    levels = ("bounce_status", "complaint_status", "status")
    counted = {"hard": counts.hard, "soft": counts.soft, "complaints": counts.complaints}
    return row | counted | dict.fromkeys(unknown + levels)


@routes.get("/api/v1/stats/breakdown")
@require_scope("subscribers")
@describe(
    Operation(
        "Sending health by kind, source, campaign or domain",
        tag="stats",
        query=BreakdownQuery,
        response=Breakdown,
        errors=(422,),
    )
)
async def stats_breakdown(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/stats' numbers per group over [`since`, `until`), largest first. By
    `campaign`, bounces and complaints only (deliveries keep no campaign: `delivered_known`
    false). `by=domain` (the sending domain) answers 422 while events do not record it."""
    query = parse_query(request, BreakdownQuery)
    span = window(query)
    if isinstance(span, web.Response):
        return span
    since, until = span
    async with request.app[state.POOL].acquire() as conn:
        if query.by == "domain" and not await queries.has_column(conn, "events", "sending_domain"):
            return error_response(422, NO_SENDING_DOMAIN, "not_recorded")
        groups, delivered_known = await queries.breakdown(conn, since, until, query.by)
    ranked = sorted(
        groups.items(),
        key=lambda item: (-(item[1].sent + item[1].complaints), item[0] is None, item[0] or ""),
    )
    rows = [group_row(key, c, delivered_known) for key, c in ranked[: query.limit]]
    data = {
        "since": since,
        "until": until,
        "by": query.by,
        "delivered_known": delivered_known,
        "groups": rows,
        "total_groups": len(groups),
    }
    return ok(Breakdown.model_validate(data))


@routes.get("/api/v1/stats/endpoint-health")
@require_scope("subscribers")
@describe(
    Operation(
        "Outgoing webhook endpoints' health",
        tag="stats",
        query=Window,
        response=EndpointHealthList,
        errors=(422,),
    )
)
async def endpoint_health(request: web.Request) -> web.StreamResponse:
    """Every outgoing endpoint: healthy, failing (since when) or disabled (why), its
    pending deliveries and retries, and its dead letters in [`since`, `until`). URLs
    are cut to their origin: a read key sees no path or query (they may carry tokens)."""
    span = window(parse_query(request, Window))
    if isinstance(span, web.Response):
        return span
    since, until = span
    async with request.app[state.POOL].acquire() as conn:
        rows = await queries.endpoint_health(conn, since, until)
    endpoints = [
        EndpointHealth(
            id=r.id,
            origin=r.origin,
            enabled=r.enabled,
            health="disabled" if not r.enabled else "failing" if r.failing_since else "healthy",
            failing_since=r.failing_since,
            disabled_reason=r.disabled_reason,
            pending=r.pending,
            pending_retries=r.pending_retries,
            failed=r.failed,
        )
        for r in rows
    ]
    return ok(EndpointHealthList(since=since, until=until, endpoints=endpoints))
