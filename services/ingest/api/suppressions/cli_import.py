"""`bounceflow import FILE`: a suppression-list export applied from the command line.

Reads the file in chunks on a worker thread and applies it batch by batch, two
batches at a time on a pool of two connections (services.ingest.api.suppressions.importer);
prints one summary line, the first skipped rows on stderr, and exits 0, or 2
when the file cannot be imported.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import BinaryIO

import asyncpg

from services.ingest.api.suppressions.importer import IN_FLIGHT, import_csv
from shared.csv_records import ImportFormatError
from shared.importers import ImportFormat, ImportKind
from shared.ledger import ApplyResult, EventRecord, apply_events
from shared.settings import Settings

CHUNK_BYTES = 1024 * 1024


async def _chunks(stream: BinaryIO) -> AsyncIterator[bytes]:
    while chunk := await asyncio.to_thread(stream.read, CHUNK_BYTES):
        yield chunk


async def run_import(settings: Settings, path: str, fmt: str | None, kind: str | None) -> int:
    """Import `path` ('-' for stdin) into the database; the process exit code."""
    stream: BinaryIO = (
        sys.stdin.buffer if path == "-" else await asyncio.to_thread(open, path, "rb")
    )
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=IN_FLIGHT)
    assert pool is not None
    try:

        async def apply(records: Sequence[EventRecord]) -> ApplyResult:
            async with pool.acquire() as conn:
                return await apply_events(
                    conn, records, settings.soft_bounce_threshold, notify=False
                )

        report = await import_csv(
            _chunks(stream),
            apply,
            now=datetime.now(UTC),
            fmt=ImportFormat(fmt) if fmt else None,
            kind=ImportKind(kind) if kind else None,
        )
    except ImportFormatError as exc:
        print(f"bounceflow: import {path}: {exc}", file=sys.stderr)
        return 2
    finally:
        await pool.close()
        if stream is not sys.stdin.buffer:
            stream.close()
    for error in report.errors:
        print(f"skipped line {error.line}: {error.message}", file=sys.stderr)
    print(f"imported {path}: {report.summary()}")
    return 0
