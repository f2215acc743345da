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
import contextlib
import itertools
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from demo.processes import Service, basic_auth, free_port
from shared.broker import Topology
from shared.settings import Settings
from tests.e2e.conftest import BASIC, Stack
from tests.helpers import queue_depth, wait_for

pytestmark = pytest.mark.e2e

RESTARTS = 3
# Seconds Postgres stays stopped: far longer than delivery limit (2) x probe backoff (0.5 s),
# so a processor that returned its batch on each failure would dead-letter it.
OUTAGE = 12.0
DELIVERY_LIMIT = 2


def _cluster() -> list[str] | None:
    """`pg_ctlcluster <version> main`, when the tests' Postgres is this machine's cluster."""
    url = os.environ.get("BOUNCEFLOW_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/")
    local = "@127.0.0.1:5432/" in url or "@localhost:5432/" in url
    if not local or shutil.which("pg_ctlcluster") is None or os.geteuid() != 0:
        return None
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions:
        return None
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main"]


CLUSTER = _cluster()
if CLUSTER is None:
    pytest.skip("needs the local Postgres cluster and pg_ctlcluster", allow_module_level=True)


def _pg(action: str) -> None:
    assert CLUSTER is not None
    subprocess.run([*CLUSTER, action], check=True, timeout=90, capture_output=True)


def _ensure_started() -> None:
    """Start the cluster unless it runs (`status` exits 0 only when it does)."""
    assert CLUSTER is not None
    running = subprocess.run([*CLUSTER, "status"], check=False, timeout=30, capture_output=True)
    if running.returncode != 0:
        _pg("start")


@contextlib.asynccontextmanager
async def postgres_stopped(pool: asyncpg.Pool) -> AsyncIterator[None]:
    """Postgres stopped (fast: sessions terminated) inside; always started again after."""
    await asyncio.to_thread(_pg, "stop")
    try:
        yield
    finally:
        await asyncio.to_thread(_ensure_started)
        await pool.expire_connections()  # the test's own pool: its connections died


async def restart_postgres(pool: asyncpg.Pool) -> None:
    try:
        await asyncio.to_thread(_pg, "restart")
    finally:
        # never leave it stopped, whatever restart did
        await asyncio.to_thread(_ensure_started)
        await pool.expire_connections()


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


async def scalar(url: str, sql: str) -> Any:
    """One value over a fresh connection (the database restarts under the tests)."""
    conn = await asyncpg.connect(url, timeout=5)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


class Load:
    """Posts one new SendGrid bounce at a time from a few workers until stopped;
    remembers which were accepted (200). A 503 is retried, as SendGrid would."""

    def __init__(self, stack: Stack, tag: str, workers: int = 4) -> None:
        self._stack = stack
        self._tag = tag
        self._workers = workers
        self._ids = itertools.count()
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.accepted: set[int] = set()

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self._workers)]

    async def stop(self) -> int:
        self._stopping.set()
        await asyncio.gather(*self._tasks)
        return len(self.accepted)

    async def _work(self) -> None:
        while not self._stopping.is_set():
            i = next(self._ids)
            body = (
                b'[{"email":"u%d@%s.test","event":"bounce","type":"bounce","status":"5.1.1",'
                b'"reason":"550 5.1.1 unknown","sg_event_id":"%s-%d","sg_message_id":"m%d",'
                b'"timestamp":1700000000}]'
            ) % (i, self._tag.encode(), self._tag.encode(), i, i)
            while not self._stopping.is_set():
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with self._stack.http.post(
                        f"{self._stack.base_url}/api/v1/webhooks/sendgrid",
                        data=body,
                        headers={
                            "Content-Type": "application/json",
                            "Authorization": basic_auth(*BASIC),
                        },
                    ) as resp:
                        if resp.status == 200:
                            self.accepted.add(i)
                            break
                await asyncio.sleep(0.05)  # pacing of a provider's retry
            await asyncio.sleep(0.01)  # ~100 events/s per worker at most


async def status(http: aiohttp.ClientSession, url: str) -> int:
    try:
        async with http.get(url, timeout=aiohttp.ClientTimeout(total=5)) as resp:
            return resp.status
    except (aiohttp.ClientError, TimeoutError):
        return 0


def assert_alive(stack: Stack) -> None:
    for name, service in stack.services.items():
        assert service.proc is not None
        code = service.proc.poll()
        assert code is None, f"{name} exited {code}: {service.log_path.read_text()[-3000:]}"


async def readiness(stack: Stack, ports: dict[str, int]) -> dict[str, int]:
    return {
        "ingest": await status(stack.http, f"{stack.base_url}/readyz"),
        "processor": await status(stack.http, f"http://127.0.0.1:{ports['processor']}/readyz"),
        "notifier": await status(stack.http, f"http://127.0.0.1:{ports['notifier']}/readyz"),
    }


async def all_ready(stack: Stack, ports: dict[str, int]) -> None:
    async def ready() -> bool:
        return set((await readiness(stack, ports)).values()) == {200}

    await wait_for(ready, timeout=30, interval=0.1, what="every service ready")


async def assert_applied_once(stack: Stack, settings: Settings, accepted: int, tag: str) -> None:
    url = settings.database_url
    where = f"FROM events WHERE dedup_key LIKE 'sendgrid:{tag}-%'"

    async def all_applied() -> bool:
        return bool(await scalar(url, f"SELECT count(*) {where}") == accepted)

    await wait_for(all_applied, timeout=90, interval=0.2, what=f"{accepted} events applied")
    assert await scalar(url, f"SELECT count(DISTINCT dedup_key) {where}") == accepted
    bounces = await scalar(
        url, f"SELECT sum(bounce_count) FROM subscribers WHERE email LIKE '%@{tag}.test'"
    )
    assert bounces == accepted
    topo = Topology(stack.env["BOUNCEFLOW_AMQP_PREFIX"])
    assert await queue_depth(settings.amqp_url, topo.dead_queue) == 0, "dead-lettered"

    async def all_notified() -> bool:
        ids = {r.headers["webhook-id"] for r in stack.receiver.of_type("email.bounced")}
        return len(ids) >= accepted

    # the notifier resumed too: one email.bounced per event (a resend after an outage
    # repeats its webhook-id, so distinct ids are counted)
    await wait_for(all_notified, timeout=90, interval=0.2, what="every email.bounced delivered")


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
