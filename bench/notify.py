"""Notifier benchmark: outbox rows -> the notifier (a separate process) -> N local receivers.

Prints deliveries/s draining a backlog to N fast local receivers, and the latency
from the outbox row (its created_at) to the receiver at a paced rate, p50/p99.
Everything (Postgres, the notifier, the receivers and this load generator) shares
the machine.

    .venv/bin/python bench/notify.py [--receivers 4] [--backlog 5000] [--rate 200]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import orjson
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo.processes import Service, drop_database, run_cli, service_env
from shared.outbox import wake_notifier


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Receivers:
    """N local endpoints answering 204 at once; they note when each webhook-id arrived."""

    def __init__(self) -> None:
        self.arrived: dict[tuple[int, str], float] = {}
        self.runners: list[web.AppRunner] = []
        self.urls: list[str] = []

    async def start(self, count: int) -> None:
        for n in range(count):
            app = web.Application()
            app.router.add_post("/hook", self._handler(n))
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.runners.append(runner)
            self.urls.append(f"http://127.0.0.1:{runner.addresses[0][1]}/hook")

    def _handler(self, n: int) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            await request.read()
            self.arrived.setdefault((n, request.headers["webhook-id"]), time.time())
            return web.Response(status=204)

        return handle

    async def stop(self) -> None:
        for runner in self.runners:
            await runner.cleanup()


def payload(n: int) -> dict[str, object]:
    return {
        "event": "email.bounced",
        "email_id": f"bench-{n}",
        "to": f"user{n}@example.com",
        "bounce_type": "hard",
        "bounce_code": "550",
        "bounce_message": "5.1.1 The email account that you tried to reach does not exist",
        "timestamp": "2026-06-18T10:30:00Z",
        "source": "ses",
        "subscriber_status": "bounced",
    }


async def insert(pool: asyncpg.Pool, first: int, count: int) -> list[str]:
    """`count` outbox rows in one transaction, with the ledger's NOTIFY."""
    ids = [f"msg_bench_{uuid.uuid4().hex}" for _ in range(count)]
    async with pool.acquire() as conn, conn.transaction():
        await conn.executemany(
            "INSERT INTO outbox (message_id, event_type, payload) VALUES ($1, 'email.bounced', $2)",
            [(i, orjson.dumps(payload(first + k)).decode()) for k, i in enumerate(ids)],
        )
        await wake_notifier(conn)
    return ids


async def wait_arrived(receivers: Receivers, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(receivers.arrived) < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(receivers.arrived)} of {expected} deliveries arrived")
        await asyncio.sleep(0.01)


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--receivers", type=int, default=4)
    ap.add_argument("--backlog", type=int, default=5000, help="events for the throughput phase")
    ap.add_argument("--rate", type=float, default=200, help="events/s for the latency phase")
    ap.add_argument("--seconds", type=float, default=20, help="length of the latency phase")
    ap.add_argument("--concurrency", type=int, default=32, help="BOUNCEFLOW_NOTIFIER_CONCURRENCY")
    ap.add_argument(
        "--database", default="postgresql://postgres@127.0.0.1:5432/bounceflow_bench_notify"
    )
    args = ap.parse_args()

    await drop_database(args.database)
    env = service_env(
        {
            "BOUNCEFLOW_DATABASE_URL": args.database,
            "BOUNCEFLOW_ALLOW_PRIVATE_ENDPOINTS": "true",
            "BOUNCEFLOW_NOTIFIER_CONCURRENCY": str(args.concurrency),
            "BOUNCEFLOW_LOG_FORMAT": "json",
            "BOUNCEFLOW_LOG_LEVEL": "warning",
        }
    )
    run_cli(env, "migrate")
    pool = await asyncpg.create_pool(args.database, min_size=1, max_size=4)
    assert pool is not None
    receivers = Receivers()
    logs = Path("bench/results")
    logs.mkdir(parents=True, exist_ok=True)
    notifier = Service("notifier", env, logs / "notify-notifier.log")
    n_recv = args.receivers
    try:
        await receivers.start(n_recv)
        for url in receivers.urls:
            await pool.execute(
                "INSERT INTO webhook_endpoints (url, events, secret) VALUES ($1, $2, $3)",
                url,
                ["email.bounced"],
                "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY",
            )
        notifier.start()
        # warm-up: the notifier is up and delivering
        await insert(pool, 0, 10)
        await wait_arrived(receivers, 10 * n_recv, 30)

        # 1. throughput: a backlog committed at once, drained to every receiver
        receivers.arrived.clear()
        started = time.time()
        await insert(pool, 10, args.backlog)
        await wait_arrived(receivers, args.backlog * n_recv, 600)
        elapsed = max(receivers.arrived.values()) - started
        print(
            f"throughput: {args.backlog * n_recv:,} deliveries ({args.backlog:,} events x "
            f"{n_recv} receivers) in {elapsed:.2f} s = {args.backlog * n_recv / elapsed:,.0f} "
            f"deliveries/s (concurrency {args.concurrency})",
            flush=True,
        )

        # 2. latency: one event per transaction at a paced rate
        receivers.arrived.clear()
        interval = 1.0 / args.rate
        sent: list[str] = []
        t0 = time.monotonic()
        while (now := time.monotonic()) - t0 < args.seconds:
            target = t0 + len(sent) * interval
            if target > now:
                await asyncio.sleep(target - now)
            sent += await insert(pool, 100_000 + len(sent), 1)
        await wait_arrived(receivers, len(sent) * n_recv, 120)
        created = {
            r["message_id"]: r["t"]
            for r in await pool.fetch(
                "SELECT message_id, extract(epoch FROM created_at)::float8 AS t FROM outbox"
                " WHERE message_id = ANY ($1::text[])",
                sent,
            )
        }
        lat = [(t - created[m]) * 1000 for (_, m), t in receivers.arrived.items()]
        print(
            f"latency outbox row -> receiver at {args.rate:,.0f} events/s x {n_recv} receivers "
            f"({len(lat):,} deliveries): p50 {pct(lat, 50):.1f} ms, p99 {pct(lat, 99):.1f} ms, "
            f"max {max(lat):.1f} ms",
            flush=True,
        )
        print(f"peak RSS notifier (pid {notifier.pid}): {peak_rss_mb(notifier.pid):.0f} MB")
    finally:
        await pool.close()
        notifier.stop()
        await receivers.stop()


if __name__ == "__main__":
    asyncio.run(main())
