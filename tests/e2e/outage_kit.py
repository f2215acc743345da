"""Helpers of the database-outage e2e tests: the local Postgres cluster stopped and
restarted, a steady load of provider requests, and the assertions on what was applied."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg

from demo.processes import basic_auth
from shared.broker import Topology
from shared.settings import Settings
from tests.e2e.conftest import BASIC, Stack
from tests.helpers import queue_depth, wait_for

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
