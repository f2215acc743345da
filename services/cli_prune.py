"""`bounceflow prune`: retention now, from the command line, with a progress line.

The same pass the processors run once a minute (services/processor/housekeeping.py),
under the same advisory lock: when a processor is pruning right now, this waits for
it to finish instead of running twice. Prints one summary line; exit code 0.
"""

from __future__ import annotations

import asyncpg
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from services.processor.housekeeping import LOCK_ID
from shared.retention import prune
from shared.settings import Settings


async def run_prune(settings: Settings) -> int:
    """Prune once with a live progress display; the process exit code."""
    console = Console(stderr=True)
    conn = await asyncpg.connect(settings.database_url)
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            TextColumn("{task.fields[family]} {task.completed:,.0f} rows"),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task: TaskID = bar.add_task("pruning", total=None, family="")

            def progress(family: str, done: int) -> None:
                bar.update(task, completed=done, family=family)

            bar.update(task, description="waiting for a running prune")
            await conn.execute("SELECT pg_advisory_lock($1)", LOCK_ID)
            bar.update(task, description="pruning")
            try:
                report = await prune(
                    conn, settings.retention, settings.soft_bounce_threshold, progress=progress
                )
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", LOCK_ID)
            bar.update(task, description="done", family="")
    finally:
        await conn.close()
    print(f"pruned: {report.summary()}")
    return 0
