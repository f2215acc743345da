"""Pipeline benchmark: provider payloads -> ingest over loopback -> processor -> Postgres.

Prints accepted events/s, applied events/s (sustained), accepted->applied latency
p50/p99 at a paced rate, and each service's peak RSS. Everything (RabbitMQ,
Postgres, the services and this load generator) shares the machine.

    .venv/bin/python bench/pipeline.py [--seconds 60] [--rate 1000] [--processors 1]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import time
import uuid
from pathlib import Path

import aiohttp
import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.payloads import MAILGUN_KEY, stream
from demo.processes import (
    Service,
    basic_auth,
    drop_database,
    free_port,
    run_cli,
    service_env,
    wait_ready,
)
from shared.broker import delete_topology

AUTH = basic_auth("bench", "bench")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_report(services: list[Service], since: dict[int, float], seconds: float) -> str:
    parts = []
    for s in services:
        used = cpu_seconds(s.pid)
        parts.append(f"{s.name} {100 * (used - since.get(s.pid, 0.0)) / seconds:.0f}%")
        since[s.pid] = used
    return "CPU of one core: " + ", ".join(parts)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class Load:
    def __init__(self, base_url: str, session: aiohttp.ClientSession) -> None:
        self.url = base_url
        self.session = session
        self.payloads = stream()
        self.accepted_events = 0
        self.accepted_requests = 0
        self.refused = 0
        self.accepted_at: dict[str, float] = {}
        self.track = False

    async def one(self) -> None:
        provider, body, headers, events = next(self.payloads)
        async with self.session.post(
            f"{self.url}/api/v1/webhooks/{provider}",
            data=body,
            headers={**headers, "Authorization": AUTH},
        ) as resp:
            if resp.status != 200:
                self.refused += 1
                return
            done = time.time()
            if self.track:
                self.accepted_at[(await resp.json())["data"]["event_id"]] = done
        self.accepted_requests += 1
        self.accepted_events += events

    async def flood(self, seconds: float, concurrency: int) -> float:
        end = time.monotonic() + seconds

        async def worker() -> None:
            while time.monotonic() < end:
                await self.one()

        start = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.monotonic() - start

    async def paced(self, seconds: float, events_per_s: float) -> None:
        # payloads average 7/3 events per request (1, 1, 5)
        interval = 1.0 / (events_per_s / (7 / 3))
        tasks: set[asyncio.Task[None]] = set()
        start = time.monotonic()
        n = 0
        while (now := time.monotonic()) - start < seconds:
            target = start + n * interval
            if target > now:
                await asyncio.sleep(target - now)
            task = asyncio.create_task(self.one())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            n += 1
        await asyncio.gather(*tasks)


async def applied_count(pool: asyncpg.Pool) -> int:
    # deliveries are stored apart from the other events (shared/migrations/0005)
    return int(
        await pool.fetchval(
            "SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM deliveries)"
        )
    )


async def wait_drained(pool: asyncpg.Pool, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while await applied_count(pool) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.2)


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--burst-seconds", type=float, default=15)
    ap.add_argument("--rate", type=float, default=1000, help="events/s for the latency phase")
    ap.add_argument("--processors", type=int, default=1)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/bounceflow_bench")
    args = ap.parse_args()

    await drop_database(args.database)
    port = free_port()
    prefix = f"bench-{uuid.uuid4().hex[:6]}"
    env = service_env(
        {
            "BOUNCEFLOW_DATABASE_URL": args.database,
            "BOUNCEFLOW_AMQP_PREFIX": prefix,
            "BOUNCEFLOW_HTTP_PORT": str(port),
            "BOUNCEFLOW_WEBHOOK_BASIC_AUTH": "bench:bench",
            "BOUNCEFLOW_MAILGUN_SIGNING_KEY": MAILGUN_KEY,
            "BOUNCEFLOW_LOG_FORMAT": "json",
            "BOUNCEFLOW_LOG_LEVEL": "warning",
        }
    )
    run_cli(env, "migrate")
    logs = Path("bench/results")
    logs.mkdir(parents=True, exist_ok=True)
    names = ["ingest", "notifier"] + ["processor"] * args.processors
    services = [Service(n, env, logs / f"{n}-{i}.log") for i, n in enumerate(names)]
    for s in services:
        s.start()
    base = f"http://127.0.0.1:{port}"
    pool = await asyncpg.create_pool(args.database, min_size=1, max_size=2)
    assert pool is not None
    try:
        await wait_ready(base)
        connector = aiohttp.TCPConnector(limit=args.concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            load = Load(base, session)
            cpu: dict[int, float] = {}
            cpu_report(services, cpu, 1)
            # 1. accepted throughput (burst)
            elapsed = await load.flood(args.burst_seconds, args.concurrency)
            print(cpu_report(services, cpu, elapsed))
            print(
                f"accepted: {load.accepted_requests / elapsed:,.0f} requests/s, "
                f"{load.accepted_events / elapsed:,.0f} events/s over {elapsed:.1f}s "
                f"(refused {load.refused})",
                flush=True,
            )
            await wait_drained(pool, 1, 5)
            # 2. sustained applied throughput while the load continues
            before, t0 = await applied_count(pool), time.monotonic()
            samples = []
            flood = asyncio.create_task(load.flood(args.seconds, args.concurrency))
            while not flood.done():
                await asyncio.sleep(5)
                samples.append((time.monotonic(), await applied_count(pool)))
            await flood
            after, t1 = await applied_count(pool), time.monotonic()
            print(cpu_report(services, cpu, t1 - t0))
            rates = [(b[1] - a[1]) / (b[0] - a[0]) for a, b in itertools.pairwise(samples)]
            print(
                f"applied: {(after - before) / (t1 - t0):,.0f} events/s sustained over {t1 - t0:.0f}s "
                f"(5-s windows: min {min(rates, default=0):,.0f}, max {max(rates, default=0):,.0f})",
                flush=True,
            )
            total_accepted = load.accepted_events
            await wait_drained(pool, total_accepted, 300)
            print(
                f"backlog drained: {await applied_count(pool):,} of {total_accepted:,} accepted events applied",
                flush=True,
            )
            # 3. latency at a paced rate
            load.track = True
            cpu_report(services, cpu, 1)
            t2 = time.monotonic()
            await load.paced(30, args.rate)
            print(cpu_report(services, cpu, time.monotonic() - t2))
            await wait_drained(pool, load.accepted_events, 60)
            rows = await pool.fetch(
                "SELECT ingest_id, min(extract(epoch FROM created_at)) AS t FROM events "
                "WHERE ingest_id = ANY($1::text[]) GROUP BY ingest_id",
                list(load.accepted_at),
            )
            lat = [(float(r["t"]) - load.accepted_at[r["ingest_id"]]) * 1000 for r in rows]
            print(
                f"latency accepted->applied at {args.rate:,.0f} events/s: p50 {pct(lat, 50):.0f} ms, "
                f"p99 {pct(lat, 99):.0f} ms, max {max(lat, default=0):.0f} ms ({len(lat):,} requests)",
                flush=True,
            )
        for s in services:
            print(f"peak RSS {s.name} (pid {s.pid}): {peak_rss_mb(s.pid):.0f} MB")
    finally:
        await pool.close()
        for s in services:
            s.stop()
        await delete_topology(
            env.get("BOUNCEFLOW_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"), prefix
        )


if __name__ == "__main__":
    asyncio.run(main())
