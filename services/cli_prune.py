"""`bounceflow prune`: retention now, from the command line, with a progress line.

The same pass the processors run once a minute (services/processor/housekeeping.py),
under the same advisory lock: when a processor is pruning right now, this waits for
it to finish instead of running twice. Prints one summary line; exit code 0.
"""

from __future__ import annotations

import asyncpg

from services.processor.housekeeping import LOCK_ID
from shared.progress import progress
from shared.retention import prune
from shared.settings import Settings


async def run_prune(settings: Settings) -> int:
    """Prune once with a live progress display; the process exit code."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        with progress("waiting for a running prune") as bar:

            def advance(family: str, done: int) -> None:
                bar.update(completed=done, note=f"{family} rows")

            await conn.execute("SELECT pg_advisory_lock($1)", LOCK_ID)
            bar.update(description="pruning")
            try:
                report = await prune(
                    conn, settings.retention, settings.soft_bounce_threshold, progress=advance
                )
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", LOCK_ID)
            bar.update(description="pruned", note="")
    finally:
        await conn.close()
    print(f"pruned: {report.summary()}")
    return 0
