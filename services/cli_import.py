"""`bounceflow import FILE`: a suppression-list export applied from the command line.

Reads the file in chunks on a worker thread and applies it batch by batch, two
batches at a time on a pool of two connections (services.ingest.api.suppressions.importer),
with a progress bar (bytes read of the file's size, rows applied); prints one summary
line, the first skipped rows on stderr, and exits 0, or 2 when the file cannot be
imported. `--domain D` records every row as sent from D (README "Sending domains");
without it an imported suppression is global.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import BinaryIO

import asyncpg

from services.ingest.api.suppressions.importer import IN_FLIGHT, import_csv
from shared.csv_records import ImportFormatError
from shared.importers import ImportFormat, ImportKind
from shared.ledger import ApplyResult, EventRecord, apply_events
from shared.progress import Tracker, progress
from shared.settings import Settings

CHUNK_BYTES = 1024 * 1024


async def _chunks(stream: BinaryIO, bar: Tracker) -> AsyncIterator[bytes]:
    while chunk := await asyncio.to_thread(stream.read, CHUNK_BYTES):
        bar.advance(len(chunk))
        yield chunk


def _size(stream: BinaryIO) -> int | None:
    try:
        return os.fstat(stream.fileno()).st_size or None
    except (OSError, ValueError):
        return None


async def run_import(
    settings: Settings, path: str, fmt: str | None, kind: str | None, domain: str | None = None
) -> int:
    """Import `path` ('-' for stdin) into the database; the process exit code."""
    stream: BinaryIO = (
        sys.stdin.buffer if path == "-" else await asyncio.to_thread(open, path, "rb")
    )
    domain = domain.strip().rstrip(".").lower() if domain else None
    rows = 0
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=IN_FLIGHT)
    assert pool is not None
    try:
        with progress(f"import {path}", _size(stream), unit="bytes") as bar:

            async def apply(records: Sequence[EventRecord]) -> ApplyResult:
                nonlocal rows
                async with pool.acquire() as conn:
                    result = await apply_events(
                        conn,
                        records,
                        settings.soft_bounce_threshold,
                        notify=False,
                    )
                rows += len(records)
                bar.update(note=f"{rows:,} rows")
                return result

            report = await import_csv(
                _chunks(stream, bar),
                apply,
                now=datetime.now(UTC),
                fmt=ImportFormat(fmt) if fmt else None,
                kind=ImportKind(kind) if kind else None,
                domain=domain,
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
