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
from typing import Literal

import asyncpg
from aiohttp import web
from pydantic import BaseModel, Field

from services.ingest import keys
from services.ingest.api_auth import require_scope
from services.ingest.api_models import (
    ApiInput,
    EmailAddress,
    EmailPath,
    UtcTimestamp,
    ok,
    parse_body,
    parse_path,
)
from services.ingest.operations import Operation, describe
from shared.csv_records import export_row
from shared.db import Conn
from shared.importers import fold_address
from shared.models import Status
from shared.notifications import iso

routes = web.RouteTableDef()

MAX_CHECK = 10_000
MAX_CHECK_BYTES = 4 * 1024 * 1024  # 10,000 addresses of up to 320 characters, JSON-quoted
EXPORT_BATCH = 2_000  # rows fetched and written per round trip
EXPORT_COLUMNS = ("email", "status", "reason", "suppressed_at")
Reason = Literal["hard_bounce", "soft_bounce_limit", "complaint", "manual"]

# the state and, from the events since the last manual change, what caused it
_SUPPRESSED = """
SELECT s.email, s.status, COALESCE(s.status_changed_at, s.last_bounce_at) AS suppressed_at,
       r.hard, r.soft, r.complaint
FROM subscribers s
LEFT JOIN LATERAL (
    SELECT bool_or(e.kind = 'hard') AS hard, bool_or(e.kind = 'soft') AS soft,
           bool_or(e.kind = 'complaint') AS complaint
    FROM events e
    WHERE e.email = s.email AND e.occurred_at >= COALESCE(s.anchor_at, '-infinity')
) r ON true
"""


class Suppression(BaseModel):
    email: str
    suppressed: bool
    status: Status | None = Field(description="null for an address never seen")
    reason: Reason | None


class Suppressed(BaseModel):
    email: str
    status: Status
    reason: Reason | None


class CheckSuppressions(ApiInput):
    emails: list[EmailAddress] = Field(max_length=MAX_CHECK)


class CheckResult(BaseModel):
    suppressed: list[Suppressed] = Field(description="only the suppressed addresses")
    checked: int = Field(description="distinct addresses checked")


class ExportRow(BaseModel):
    """One line of the export (CSV columns email,status,reason,suppressed_at)."""

    email: str
    status: Status
    reason: Reason | None
    suppressed_at: UtcTimestamp | None


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


async def suppressed_among(conn: Conn, emails: Sequence[str]) -> list[asyncpg.Record]:
    """The suppressed rows among `emails` (lower-cased): one query, one index probe each."""
    return await conn.fetch(
        _SUPPRESSED + "WHERE s.email = ANY($1::text[]) AND s.status <> 'active' ORDER BY s.email",
        list(emails),
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
    async with request.app[keys.POOL].acquire() as conn:
        rows = await suppressed_among(conn, emails)
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
    sql = _SUPPRESSED + "WHERE s.status <> 'active' ORDER BY s.email"  # subscribers_suppressed
    async with request.app[keys.POOL].acquire() as conn, conn.transaction(readonly=True):
        cursor = await conn.cursor(sql)
        while rows := await cursor.fetch(EXPORT_BATCH):
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
    email = fold_address(parse_path(request, EmailPath).email)
    async with request.app[keys.POOL].acquire() as conn:
        row = await conn.fetchrow(_SUPPRESSED + "WHERE s.email = $1", email)
    if row is None:
        return ok(Suppression(email=email, suppressed=False, status=None, reason=None))
    suppressed = row["status"] != Status.ACTIVE
    reason = _suppressed(row).reason if suppressed else None
    return ok(Suppression(email=email, suppressed=suppressed, status=row["status"], reason=reason))
