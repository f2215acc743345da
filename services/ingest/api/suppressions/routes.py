"""May I send to these? One address, up to 10,000 at once, and the whole list as CSV.

Scope: subscribers. An address is suppressed when its status is not `active`
(bounced or unsubscribed). Its `reason` is what put it there, among the events
since its last manual change: `hard_bounce`, `soft_bounce_limit` (the soft
streak reached the threshold), `complaint`, or `manual`. An address never seen
is not suppressed and has no status.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Sequence

import asyncpg
from aiohttp import web

from services.ingest import state
from services.ingest.api.auth import require_scope
from services.ingest.api.fields import EmailPath
from services.ingest.api.http import (
    decode_json,
    json_response,
    ok,
    parse_path,
    read_body,
    validate_doc,
)
from services.ingest.api.operations import Operation, describe
from services.ingest.api.suppressions import queries
from services.ingest.api.suppressions.models import (
    MAX_CHECK,
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
CHECK_CHUNK = 2_500  # addresses per query of a check; a full check runs 4 at once
EXPORT_COLUMNS = ("email", "status", "reason", "suppressed_at")


def reason_for(status: str, hard: bool | None, soft: bool | None, complaint: bool | None) -> Reason:
    """What put a suppressed address where it is (pure)."""
    if status == Status.UNSUBSCRIBED:
        return "complaint" if complaint else "manual"
    if hard:
        return "hard_bounce"
    return "soft_bounce_limit" if soft else "manual"


def _suppressed_reason(row: asyncpg.Record) -> Reason:
    return reason_for(row["status"], row["hard"], row["soft"], row["complaint"])


def _suppressed(row: asyncpg.Record) -> Suppressed:
    return Suppressed(email=row["email"], status=row["status"], reason=_suppressed_reason(row))


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
    doc = decode_json(await read_body(request, MAX_CHECK_BYTES))
    folded = plain_addresses(doc)
    if folded is None:  # something to complain about: the model names it
        folded = validate_doc(doc, CheckSuppressions).emails
    emails = sorted(set(folded))
    rows = await _suppressed_among(request.app[state.POOL], emails)
    # CheckResult's JSON, written directly: 10,000 models cost more than the query
    suppressed = [
        {"email": r["email"], "status": r["status"], "reason": _suppressed_reason(r)} for r in rows
    ]
    return json_response(
        {"success": True, "data": {"suppressed": suppressed, "checked": len(emails)}}
    )


async def _suppressed_among(pool: asyncpg.Pool, emails: list[str]) -> list[asyncpg.Record]:
    """queries.suppressed_among over CHECK_CHUNK-address slices on as many connections at
    once (the 10,000 index probes of a full check use more than one core); the rows by
    address (code point order, which is the database's in a C collation)."""

    async def one(chunk: list[str]) -> list[asyncpg.Record]:
        async with pool.acquire() as conn:
            return await queries.suppressed_among(conn, chunk)

    chunks = [emails[i : i + CHECK_CHUNK] for i in range(0, len(emails), CHECK_CHUNK)]
    rows = [row for part in await asyncio.gather(*map(one, chunks)) for row in part]
    rows.sort(key=lambda row: str(row["email"]))
    return rows


def plain_addresses(doc: object) -> list[str] | None:
    """CheckSuppressions' `emails`, folded, when every one is a plain valid address (the
    usual call), without the model's per-item cost; None for anything else, which the
    model then accepts or refuses. Accepts a subset of what the model accepts, with the
    same result."""
    if not isinstance(doc, dict):
        return None
    emails = doc.get("emails")
    if not isinstance(emails, list) or len(emails) > MAX_CHECK:
        return None
    out: list[str] = []
    for value in emails:
        if type(value) is not str or len(value) < 3 or not address.is_valid(value):
            return None
        if value.isascii() and "<" not in value:
            out.append(value.lower())  # what address.normalise gives such a value
        elif (email := address.normalise(value)) is not None:
            out.append(email)
        else:
            return None
    return out


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
