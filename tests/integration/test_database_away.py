"""A processor or notifier started while the database is unreachable waits for it (it does
not exit) and still stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio

import pytest

from demo.processes import free_port
from services.notifier.app import serve as notifier_serve
from services.processor.app import serve as processor_serve
from shared.settings import Settings


@pytest.mark.parametrize("serve", [processor_serve, notifier_serve], ids=["processor", "notifier"])
async def test_started_while_the_database_is_away_waits_then_stops(
    settings: Settings, serve: object
) -> None:
    away = settings.model_copy(
        update={
            # nothing listens there: every connection attempt is refused
            "database_url": f"postgresql://postgres@127.0.0.1:{free_port()}/bounceflow",
            "db_probe_max_delay": 0.2,
        }
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(away, stop))  # type: ignore[operator]
    done, _ = await asyncio.wait([task], timeout=1.5)
    assert not done, f"exited while the database was away: {task.exception()!r}"
    stop.set()
    await asyncio.wait_for(task, 5)  # returns (no exception) once stopped
