"""`POST /api/v1/suppressions/import`: a provider's suppression export, streamed in.

Scope: subscribers.

The body is the CSV file itself (any size: it is read chunk by chunk, never
whole) and is applied in batches through the ledger; see importer.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

from aiohttp import web
from pydantic import BaseModel, Field

from services.ingest import state
from services.ingest.api.auth import require_scope
from services.ingest.api.fields import ApiInput, SendingDomain
from services.ingest.api.http import ok, parse_query
from services.ingest.api.operations import Operation, describe
from services.ingest.api.suppressions.importer import import_csv
from services.ingest.errors import error_response
from shared.csv_records import ImportFormatError
from shared.importers import HEADER_PATTERN, ImportFormat, ImportKind
from shared.ledger import ApplyResult, EventRecord, apply_events

routes = web.RouteTableDef()

CHUNK_BYTES = 256 * 1024


class ImportQuery(ApiInput):
    format: ImportFormat | None = Field(
        default=None, description="the export's format; detected from its header when absent"
    )
    kind: ImportKind | None = Field(
        default=None,
        description="treat every row as this (e.g. `complaint` for a spam-report export); "
        "by default each format's own meaning",
    )
    domain: SendingDomain | None = Field(
        default=None,
        description="record every row as sent from this domain (its Mailgun bounces list, "
        "stats); the suppression stays global. Default: a global suppression",
    )


class ImportRowError(BaseModel):
    line: int
    message: str


class ImportResult(BaseModel):
    format: ImportFormat | None
    rows: int = Field(description="data rows read")
    imported: int = Field(description="rows applied now")
    duplicates: int = Field(description="rows already applied by an earlier import")
    skipped: int = Field(description="rows without a usable address")
    errors: list[ImportRowError] = Field(description="the first few skipped rows, and why")


@routes.post("/api/v1/suppressions/import")
@require_scope("subscribers")
@describe(
    Operation(
        "Import a Mailgun, SendGrid or SES suppression export",
        tag="suppressions",
        query=ImportQuery,
        body_media="text/csv",
        body_pattern=HEADER_PATTERN,
        response=ImportResult,
        errors=(422,),
    )
)
async def import_suppressions(request: web.Request) -> web.StreamResponse:
    """Apply a CSV export (the request body) as bounces and complaints, in batches.

    Idempotent: rows already imported change nothing. An unreadable file
    (unknown header, not UTF-8, unbalanced quotes) answers 422; the batches
    before the problem stay applied, and re-running the fixed file is safe.
    """
    query = parse_query(request, ImportQuery)
    pool = request.app[state.POOL]
    threshold = request.app[state.SETTINGS].soft_bounce_threshold

    async def apply(records: Sequence[EventRecord]) -> ApplyResult:
        async with pool.acquire() as conn:
            return await apply_events(conn, records, threshold, notify=False)

    async def chunks() -> AsyncIterator[bytes]:
        async for chunk in request.content.iter_chunked(CHUNK_BYTES):
            yield chunk

    try:
        report = await import_csv(
            chunks(),
            apply,
            now=datetime.now(UTC),
            fmt=query.format,
            kind=query.kind,
            domain=query.domain,
        )
    except ImportFormatError as exc:
        return error_response(422, str(exc), "invalid_import")
    return ok(
        ImportResult(
            format=report.format,
            rows=report.rows,
            imported=report.imported,
            duplicates=report.duplicates,
            skipped=report.skipped,
            errors=[ImportRowError(line=e.line, message=e.message) for e in report.errors],
        )
    )
