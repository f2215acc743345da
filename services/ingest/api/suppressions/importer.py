"""Importing a suppression-list export: CSV chunks in, batches through the ledger.

Used by `POST /api/v1/suppressions/import` and `bounceflow import FILE`. The
export is read chunk by chunk and applied in batches of BATCH_SIZE rows, each
through `shared.ledger.apply_events` (the one writer of policy) in its own
transaction, so memory stays bounded whatever the file's size. Every row has a
deterministic dedup key (`import:<source>:<email>:<kind>`, plus `:<domain>` for an
export imported as one sending domain's): importing the same export again changes
nothing, and an import cut short can simply be re-run.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shared.event_time import clamp
from shared.importers import (
    ImportFormat,
    ImportKind,
    ImportRow,
    RowError,
    SuppressionCsv,
)
from shared.ledger import ApplyResult, EventRecord

BATCH_SIZE = 5_000  # rows per transaction: big enough to amortise, small enough to lock briefly
IN_FLIGHT = 2  # batches applied at once: the next one is parsed while the database works
MAX_REPORTED_ERRORS = 10
_ENHANCED = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")

Apply = Callable[[Sequence[EventRecord]], Awaitable[ApplyResult]]


@dataclass(slots=True)
class ImportReport:
    """What an import did, row by row."""

    format: ImportFormat | None = None
    rows: int = 0
    imported: int = 0
    duplicates: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.format} export: {self.rows} rows, {self.imported} imported, "
            f"{self.duplicates} already present, {self.skipped} skipped"
        )


def to_record(
    row: ImportRow,
    source: str,
    batch_id: str,
    received_at: datetime | None = None,
    domain: str | None = None,
) -> EventRecord:
    """The ledger event of one imported row; a future date is clamped (CONTRACT §3). With
    a `domain`, the row is that sending domain's (one address imported for two domains is
    two entries); without, a global suppression (README "Sending domains")."""
    code = row.code
    enhanced = code if code and _ENHANCED.match(code) else None
    occurred_at, reported_at = clamp(row.occurred_at, received_at or datetime.now(UTC))
    return EventRecord(
        dedup_key=row.dedup_key(source) + (f":{domain}" if domain else ""),
        email=row.email,
        kind=row.kind,
        source=source,
        occurred_at=occurred_at,
        reported_at=reported_at,
        set_status=row.set_status,
        bounce_subtype="imported",
        smtp_code=None if enhanced else code,
        enhanced_code=enhanced,
        diagnostic_code=row.error,
        ingest_id=batch_id,
        sending_domain=domain,
    )


async def import_csv(
    chunks: AsyncIterator[bytes],
    apply: Apply,
    *,
    now: datetime,
    fmt: ImportFormat | None = None,
    kind: ImportKind | None = None,
    domain: str | None = None,
    batch_size: int = BATCH_SIZE,
    in_flight: int = IN_FLIGHT,
) -> ImportReport:
    """Parse `chunks` as one export and apply it batch by batch.

    Up to `in_flight` batches are applied at once (`apply` must then be able to
    run that many calls concurrently, e.g. on a pool), so parsing overlaps the
    database's work; order does not matter, the policy replays by event time.
    Raises ImportFormatError (from shared.importers) when the input cannot be
    read at all; batches applied before that stay applied (re-running is safe).
    """
    parser = SuppressionCsv(now, fmt, kind)
    report = ImportReport(format=fmt)
    batch: list[ImportRow] = []
    batch_id = "import_" + uuid.uuid4().hex
    running: set[asyncio.Task[tuple[int, ApplyResult]]] = set()

    async def applied(records: list[EventRecord]) -> tuple[int, ApplyResult]:
        return len(records), await apply(records)

    async def settle(until: int) -> None:
        while len(running) > until:
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                running.discard(task)
                sent, result = task.result()
                report.imported += len(result.inserted)
                report.duplicates += sent - len(result.inserted)

    async def flush() -> None:
        if batch:
            await settle(in_flight - 1)
            records = [to_record(r, parser.source, batch_id, domain=domain) for r in batch]
            running.add(asyncio.create_task(applied(records)))
            batch.clear()

    try:
        async for chunk in chunks:
            for item in parser.feed(chunk):
                _take(item, batch, report)
                if len(batch) >= batch_size:
                    await flush()
            report.format = parser.format
        for item in parser.finish():
            _take(item, batch, report)
        report.format = parser.format
        await flush()
        await settle(0)
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
    return report


def _take(item: ImportRow | RowError, batch: list[ImportRow], report: ImportReport) -> None:
    report.rows += 1
    if isinstance(item, RowError):
        report.skipped += 1
        if len(report.errors) < MAX_REPORTED_ERRORS:
            report.errors.append(item)
    else:
        batch.append(item)
