"""`bounceflow replay --endpoint ID --since T [--until T]`: queue an endpoint's failed
(dead-lettered) webhook deliveries again, with a progress bar and a final count.

Replaying is the delivery state machine's (shared.webhook_deliveries.manual.replay_failed,
the same as `POST /api/v1/webhook-endpoints/{id}/replay`): here in batches, so the bar
moves and no transaction is long. Each delivery keeps its `webhook-id`. It replays at
most what was failed when it started, so a delivery failing again at once cannot keep it
going. Exit codes: 0 done, 1 unknown endpoint, 2 a bad time.
"""

from __future__ import annotations

import sys
from datetime import datetime

import asyncpg

from services.cli_time import parse_time
from shared.progress import progress
from shared.settings import Settings
from shared.webhook_deliveries.manual import replay_failed, replayable

BATCH = 500


def _window(since: str, until: str | None) -> tuple[datetime, datetime | None] | str:
    try:
        start = parse_time(since)
    except ValueError as exc:
        return f"--since: {exc}"
    try:
        end = parse_time(until) if until is not None else None
    except ValueError as exc:
        return f"--until: {exc}"
    if end is not None and end <= start:
        return "--until must be after --since"
    return start, end


async def run_replay(settings: Settings, endpoint_id: int, since: str, until: str | None) -> int:
    """Replay the endpoint's failed deliveries in the window; the process exit code."""
    window = _window(since, until)
    if isinstance(window, str):
        print(f"bounceflow: replay: {window}", file=sys.stderr)
        return 2
    start, end = window
    conn = await asyncpg.connect(settings.database_url)
    try:
        todo = await replayable(conn, endpoint_id, start, end)
        if todo is None:
            print(f"bounceflow: replay: no webhook endpoint with id {endpoint_id}", file=sys.stderr)
            return 1
        done = 0
        with progress(f"replay endpoint {endpoint_id}", todo) as bar:
            while done < todo:
                n = await replay_failed(conn, endpoint_id, start, end, min(BATCH, todo - done))
                if n == 0:
                    break
                done += n
                bar.advance(n)
    finally:
        await conn.close()
    print(f"replayed: {done} failed deliveries of endpoint {endpoint_id} queued again")
    return 0
