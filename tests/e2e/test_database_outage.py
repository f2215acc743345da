"""Postgres restarted and stopped under load, with the services as OS processes (issue 12,
"Done when" 7): no process exits, every accepted event is applied exactly once, nothing is
dead-lettered (the processor holds its batch instead of spending deliveries), the API
answers 503 + Retry-After and each service's /readyz is red while the database is away,
green after.

These tests stop the machine's own Postgres cluster (pg_ctlcluster), so they run only
against the local cluster; each outage is kept to seconds and Postgres is started again
in a `finally`.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import asyncpg
import pytest

from demo.processes import Service, basic_auth, free_port
from shared.settings import Settings
from tests.e2e.conftest import Stack
from tests.e2e.outage_kit import (
    CLUSTER,
    DELIVERY_LIMIT,
    OUTAGE,
    RESTARTS,
    Load,
    all_ready,
    assert_alive,
    assert_applied_once,
    postgres_stopped,
    readiness,
    restart_postgres,
    scalar,
)
from tests.helpers import wait_for

pytestmark = pytest.mark.e2e

if CLUSTER is None:
    pytest.skip("needs the local Postgres cluster and pg_ctlcluster", allow_module_level=True)


@pytest.fixture
def ports() -> dict[str, int]:
    return {"processor": free_port(), "notifier": free_port()}


@pytest.fixture
def stack_env(ports: dict[str, int]) -> dict[str, str]:
    return {
        "BOUNCEFLOW_DELIVERY_LIMIT": str(DELIVERY_LIMIT),
        "BOUNCEFLOW_DB_PROBE_MAX_DELAY": "0.5",
        "BOUNCEFLOW_PROCESSOR_HEALTH_PORT": str(ports["processor"]),
        "BOUNCEFLOW_NOTIFIER_METRICS_PORT": str(ports["notifier"]),
        "BOUNCEFLOW_PROCESSOR_BATCH_SIZE": "50",
    }


@pytest.mark.timeout(240)
async def test_postgres_restarted_under_load_three_times(
    stack: Stack, base_settings: Settings, db: asyncpg.Pool, ports: dict[str, int]
) -> None:
    await all_ready(stack, ports)
    url = base_settings.database_url
    load = Load(stack, "restart")
    load.start()
    started = time.monotonic()
    try:
        for _ in range(RESTARTS):
            before = await scalar(url, "SELECT count(*) FROM events")
            assert isinstance(before, int)

            async def progressing(before: int = before) -> bool:
                return bool(await scalar(url, "SELECT count(*) FROM events") > before + 100)

            # under load: the processor is mid-batch when the restart hits
            await wait_for(progressing, timeout=30, interval=0.1, what="events being applied")
            await restart_postgres(db)
            assert_alive(stack)
            await all_ready(stack, ports)
            assert_alive(stack)
    finally:
        accepted = await load.stop()
    await assert_applied_once(stack, base_settings, accepted, "restart")
    assert_alive(stack)
    print(f"{RESTARTS} restarts, {accepted} events in {time.monotonic() - started:.1f}s")


@pytest.mark.timeout(240)
async def test_postgres_stopped_longer_than_delivery_limit_times_backoff(
    stack: Stack,
    base_settings: Settings,
    db: asyncpg.Pool,
    ports: dict[str, int],
    tmp_path: Path,
) -> None:
    await all_ready(stack, ports)
    url = base_settings.database_url
    # a second replica, to be stopped (SIGTERM) during the outage
    replica = Service(
        "processor",
        {**stack.env, "BOUNCEFLOW_PROCESSOR_HEALTH_PORT": "0"},
        tmp_path / "processor-2.log",
    )
    replica.start()

    async def replica_consuming() -> bool:
        return "processor_consuming" in replica.log_path.read_text()

    await wait_for(replica_consuming, timeout=30, interval=0.1, what="second processor consuming")
    load = Load(stack, "outage")
    load.start()
    started = time.monotonic()
    try:

        async def progressing() -> bool:
            return bool(await scalar(url, "SELECT count(*) FROM events") > 100)

        await wait_for(progressing, timeout=30, interval=0.1, what="events being applied")
        async with postgres_stopped(db):
            down_at = time.monotonic()

            async def all_red() -> bool:
                return set((await readiness(stack, ports)).values()) == {503}

            await wait_for(all_red, timeout=15, interval=0.1, what="every /readyz red")
            health = f"http://127.0.0.1:{ports['processor']}"
            async with stack.http.get(f"{health}/readyz") as resp:
                checks = (await resp.json())["checks"]
            # the processor stopped consuming: it holds what it has, takes nothing new
            assert checks["consumer"] == "unavailable"
            assert checks["database"] == "unavailable"
            assert checks["broker"] == "ok"
            async with stack.http.get(f"{health}/healthz") as resp:
                assert resp.status == 200  # alive: an outage is waited out, not restarted
            async with stack.http.get(
                f"{stack.base_url}/api/v1/subscribers/u1@outage.test",
                headers=stack.api_headers(),
            ) as resp:
                assert resp.status == 503
                assert resp.headers["Retry-After"].isdigit()
                body = await resp.json()
                assert body["success"] is False
                assert body["error"]["code"] == "unavailable"
            async with stack.http.get(
                f"{stack.base_url}/v3/example.com/bounces",
                headers={"Authorization": basic_auth("api", stack.api_key)},
            ) as resp:  # the Mailgun-compatible API too, in Mailgun's error shape
                assert resp.status == 503
                assert resp.headers["Retry-After"].isdigit()
                assert "message" in await resp.json()
            accepted_when_down = len(load.accepted)

            async def ingest_still_accepts() -> bool:
                return len(load.accepted) > accepted_when_down + 50

            await wait_for(ingest_still_accepts, timeout=15, what="ingest accepting meanwhile")
            # a replica stopped while the database is away exits cleanly within 10 s
            # (CONTRACT §1), returning what it held
            assert replica.proc is not None
            assert replica.proc.poll() is None, replica.log_path.read_text()[-3000:]
            sent = time.monotonic()
            assert await asyncio.to_thread(replica.stop, 10) == 0, replica.log_path.read_text()
            assert time.monotonic() - sent < 10
            # hold the outage for OUTAGE seconds (a duration under test, not a synchronisation)
            while time.monotonic() - down_at < OUTAGE:
                assert_alive(stack)
                await asyncio.sleep(0.5)
            outage = time.monotonic() - down_at
        assert_alive(stack)
        await all_ready(stack, ports)
    finally:
        accepted = await load.stop()
        replica.stop()
    await assert_applied_once(stack, base_settings, accepted, "outage")
    assert_alive(stack)
    log = stack.services["processor"].log_path.read_text()
    assert "processor_paused" in log
    assert "processor_resumed" in log
    print(f"outage {outage:.1f}s, {accepted} events in {time.monotonic() - started:.1f}s")
