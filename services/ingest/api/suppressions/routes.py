"""May I send to these? One address, up to 10,000 at once, and the whole list as CSV.

Scope: subscribers. An address is suppressed when its status is not `active`
(bounced or unsubscribed). Its `reason` is what put it there, among the events
since its last manual change: `hard_bounce`, `soft_bounce_limit` (the soft
streak reached the threshold), `complaint`, or `manual`. An address never seen
is not suppressed and has no status.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import asyncpg
from aiohttp import web

from services.ingest import state
from services.ingest.api.auth import require_scope
from services.ingest.api.fields import EmailPath
from services.ingest.api.http import ok, parse_body, parse_path
from services.ingest.api.operations import Operation, describe
from services.ingest.api.suppressions import queries
from services.ingest.api.suppressions.models import (
    CheckResult,
    CheckSuppressions,
    ExportRow,
    Reason,
    Suppressed,
    Suppression,
)
from shared import address
from shared.csv_records import export_row
from shared.models import Status
from shared.notifications import iso

routes = web.RouteTableDef()

MAX_CHECK_BYTES = 4 * 1024 * 1024  # 10,000 addresses of up to 320 characters, JSON-quoted
EXPORT_BATCH = 2_000  # rows fetched and written per round trip
EXPORT_COLUMNS = ("email", "status", "reason", "suppressed_at")


def reason_for(status: str, hard: bool | None, soft: bool | None, complaint: bool | None) -> Reason:
    """What put a suppressed address where it is (pure)."""
    if status == Status.UNSUBSCRIBED:
        return "complaint" if complaint else "manual"
    if hard:
        return "hard_bounce"
    return "soft_bounce_limit" if soft else "manual"


def _suppressed(row: asyncpg.Record) -> Suppressed:
    return Suppressed(
        email=row["email"],
        status=row["status"],
        reason=reason_for(row["status"], row["hard"], row["soft"], row["complaint"]),
    )


@routes.post("/api/v1/suppressions/check")
@require_scope("subscribers", read_only=True)
@describe(
    Operation(
        "Check up to 10,000 addresses",
        tag="suppressions",
        body=CheckSuppressions,
        response=CheckResult,
        errors=(413,),
    )
)
async def check(request: web.Request) -> web.StreamResponse:
    """Which of `emails` (up to 10,000, case-insensitive) must not be sent to.

    Only the suppressed ones are listed; `checked` counts the distinct addresses.
    """
    body = await parse_body(request, CheckSuppressions, max_bytes=MAX_CHECK_BYTES)
    emails = sorted(set(body.emails))
    async with request.app[state.POOL].acquire() as conn:
        rows = await queries.suppressed_among(conn, emails)
    return ok(CheckResult(suppressed=[_suppressed(r) for r in rows], checked=len(emails)))


@routes.get("/api/v1/suppressions/export")
@require_scope("subscribers")
@describe(
    Operation(
        "Export every suppressed address as CSV",
        tag="suppressions",
        response=ExportRow,
        response_media="text/csv",
    )
)
async def export(request: web.Request) -> web.StreamResponse:
    """Every suppressed address, by address, streamed as CSV
    (`email,status,reason,suppressed_at`); `bounceflow import` reads it back."""
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="suppressions.csv"',
        }
    )
    await response.prepare(request)
    await response.write((",".join(EXPORT_COLUMNS) + "\r\n").encode())
    async with request.app[state.POOL].acquire() as conn:
        async for rows in queries.all_suppressed(conn, EXPORT_BATCH):
            await response.write(_csv(rows))
    await response.write_eof()
    return response


def _csv(rows: Sequence[asyncpg.Record]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        when = row["suppressed_at"]
        writer.writerow(
            export_row(
                [
                    row["email"],
                    row["status"],
                    _suppressed(row).reason or "",
                    iso(when) if when else "",
                ]
            )
        )
    return out.getvalue().encode()


@routes.get("/api/v1/suppressions/{email:[^/]*@[^/]*}")
@require_scope("subscribers")
@describe(Operation("Check one address", tag="suppressions", path=EmailPath, response=Suppression))
async def get_one(request: web.Request) -> web.StreamResponse:
    """May I send to this address? Never-seen addresses are not suppressed (status null)."""
    email = address.fold(parse_path(request, EmailPath).email)
    async with request.app[state.POOL].acquire() as conn:
        row = await queries.suppression(conn, email)
    if row is None:
        return ok(Suppression(email=email, suppressed=False, status=None, reason=None))
    suppressed = row["status"] != Status.ACTIVE
    reason = _suppressed(row).reason if suppressed else None
    return ok(Suppression(email=email, suppressed=suppressed, status=row["status"], reason=reason))
