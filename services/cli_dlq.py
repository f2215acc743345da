"""`bounceflow dlq list` / `bounceflow dlq redrive [--limit N]`: the dead-lettered raw events."""

from __future__ import annotations

import aio_pika
from rich.console import Console
from rich.table import Table

from shared import dlq
from shared.broker import Topology
from shared.progress import progress
from shared.settings import Settings


def _topology(settings: Settings) -> Topology:
    return Topology(settings.amqp_prefix, settings.raw_queue_max_length, settings.delivery_limit)


def _table(letters: list[dlq.DeadLetter], total: int) -> Table:
    table = Table(title=f"{total} dead-lettered raw events (showing {len(letters)})")
    for column in ("event id", "provider", "received at", "reason", "count", "error"):
        table.add_column(column, overflow="fold")
    for d in letters:
        table.add_row(
            d.event_id or "-",
            d.provider or "-",
            d.received_at or "-",
            d.reason or "-",
            "-" if d.count is None else str(d.count),
            d.error or "-",
        )
    return table


async def run_dlq(settings: Settings, action: str, limit: int | None) -> int:
    """Show (`list`) or requeue (`redrive`) dead letters; returns the exit code."""
    out = Console(width=200)
    topo = _topology(settings)
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        total = await dlq.depth(connection, topo)
        if action == "list":
            letters = await dlq.peek(connection, topo, 100 if limit is None else limit)
            out.print(_table(letters, total))
            return 0
        todo = total if limit is None else min(limit, total)
        with progress("redrive", todo) as bar:
            moved = await dlq.redrive(connection, topo, limit, progress=lambda _d: bar.advance())
        print(f"redriven: {moved} dead-lettered raw events back to {topo.raw_queue}")
    return 0
