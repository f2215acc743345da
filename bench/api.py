"""Management API benchmark on a million subscribers.

Seeds 1,000,000 subscribers (10 % suppressed) and one bounce each (so the log
has a million rows) with generate_series, runs `bounceflow ingest` as its own
process against its own database, and prints:

- POST /api/v1/suppressions/check of 10,000 addresses: p50/p99
- GET /api/v1/bounces at offset 0, and at row 900,000 by offset and by cursor: p50/p99
- `bounceflow import` of a 1,000,000-row Mailgun CSV: rows/s and the importer's peak RSS
- the same file streamed to POST /api/v1/suppressions/import (re-import, all duplicates):
  rows/s and the ingest's peak RSS

Everything (Postgres, RabbitMQ, the ingest and this client) shares the machine.

    .venv/bin/python bench/api.py [--subscribers 1000000] [--rows 1000000] [--repeat 50]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import aio_pika
import aiohttp
import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pipeline import pct, peak_rss_mb
from demo.processes import Service, drop_database, free_port, run_cli, service_env, wait_ready

DATABASE = "postgresql://postgres@127.0.0.1:5432/bounceflow_bench_api"
CREATED_AT = "Wed, 15 Feb 2012 11:16:31 GMT"
LOCAL_AMQP = "amqp://guest:guest@127.0.0.1:5672/"

SEED_SQL = """
INSERT INTO subscribers (email, status, soft_streak, bounce_count, last_bounce_at,
                         status_changed_at, created_at)
SELECT 'user' || i || '@example.com',
       CASE WHEN i % 10 = 0 THEN 'bounced' ELSE 'active' END,
       CASE WHEN i % 10 = 0 THEN 0 ELSE 1 END,
       1,
       t0 + i * interval '1 second',
       CASE WHEN i % 10 = 0 THEN t0 + i * interval '1 second' END,
       t0
FROM generate_series(1, $1::int) AS i, (SELECT timestamptz '2025-01-01' AS t0) c;

INSERT INTO events (dedup_key, email, kind, source, occurred_at, smtp_code, diagnostic_code)
SELECT 'bench:' || i, 'user' || i || '@example.com',
       CASE WHEN i % 10 = 0 THEN 'hard' ELSE 'soft' END,
       (ARRAY['ses', 'mailgun', 'sendgrid'])[1 + i % 3],
       timestamptz '2025-01-01' + i * interval '1 second',
       CASE WHEN i % 10 = 0 THEN '550' ELSE '452' END,
       CASE WHEN i % 10 = 0 THEN '5.1.1 user unknown' ELSE '4.2.2 mailbox full' END
FROM generate_series(1, $1::int) AS i;
"""


async def timed(n: int, call: Callable[[], Awaitable[None]]) -> list[float]:
    """Run `call` n times in a row; the latencies in ms (after one warm-up call)."""
    await call()
    out = []
    for _ in range(n):
        start = time.perf_counter()
        await call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def line(what: str, ms: list[float]) -> str:
    return f"{what}: p50 {pct(ms, 50):.1f} ms, p99 {pct(ms, 99):.1f} ms ({len(ms)} requests)"


async def seed(url: str, subscribers: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        # one statement per INSERT: asyncpg's execute with args runs a single statement
        for statement in SEED_SQL.strip().split(";\n\n"):
            await conn.execute(statement, subscribers)
        await conn.execute("VACUUM ANALYZE subscribers")
        await conn.execute("VACUUM ANALYZE events")
        print(
            f"seeded {subscribers:,} subscribers (10 % suppressed) and {subscribers:,} bounces "
            f"in {time.perf_counter() - started:.1f}s",
            flush=True,
        )
    finally:
        await conn.close()


def write_csv(path: Path, rows: int) -> None:
    with path.open("w") as f:
        f.write("address,code,error,created_at\n")
        for i in range(rows):
            f.write(f'imported{i}@example.org,550,5.1.1 user unknown,"{CREATED_AT}"\n')


def cli_import(env: dict[str, str], path: Path) -> tuple[float, float, str]:
    """`bounceflow import FILE` as a child process: seconds, its peak RSS in MB, its output."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "import", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    out = (proc.stdout.read() if proc.stdout else b"").decode().strip()
    err = (proc.stderr.read() if proc.stderr else b"").decode().strip()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"import failed: {err[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024, out


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--subscribers", type=int, default=1_000_000)
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows of the CSV to import")
    ap.add_argument("--repeat", type=int, default=50, help="requests per latency figure")
    ap.add_argument("--database", default=DATABASE)
    args = ap.parse_args()

    await drop_database(args.database)
    port = free_port()
    prefix = f"bench-api-{uuid.uuid4().hex[:6]}"
    env = service_env(
        {
            "BOUNCEFLOW_DATABASE_URL": args.database,
            "BOUNCEFLOW_AMQP_PREFIX": prefix,
            "BOUNCEFLOW_HTTP_PORT": str(port),
            "BOUNCEFLOW_LOG_FORMAT": "json",
            "BOUNCEFLOW_LOG_LEVEL": "warning",
        }
    )
    run_cli(env, "migrate")
    await seed(args.database, args.subscribers)
    key = run_cli(env, "apikey", "create", "--name", "bench", "--scopes", "admin").split()[-1]
    headers = {"Authorization": f"Bearer {key}"}
    logs = Path("bench/results")
    logs.mkdir(parents=True, exist_ok=True)
    ingest = Service("ingest", env, logs / "api-ingest.log")
    ingest.start()
    base = f"http://127.0.0.1:{port}"
    workdir = Path(tempfile.mkdtemp(prefix="bench-api-"))
    try:
        await wait_ready(base)
        timeout = aiohttp.ClientTimeout(total=3600)
        async with aiohttp.ClientSession(base, headers=headers, timeout=timeout) as http:
            await measure_reads(http, args)
            csv_path = workdir / "mailgun-bounces.csv"
            write_csv(csv_path, args.rows)
            size_mb = csv_path.stat().st_size / 1e6
            elapsed, rss, out = cli_import(env, csv_path)
            print(
                f"bounceflow import: {args.rows:,} rows ({size_mb:.0f} MB) in {elapsed:.1f}s = "
                f"{args.rows / elapsed:,.0f} rows/s, peak RSS {rss:.0f} MB  [{out}]",
                flush=True,
            )
            rss_before = peak_rss_mb(ingest.pid)
            started = time.perf_counter()
            with csv_path.open("rb") as body:
                async with http.post("/api/v1/suppressions/import", data=body) as resp:
                    result = await resp.json()
            elapsed = time.perf_counter() - started
            data = result["data"]
            print(
                f"POST /api/v1/suppressions/import (re-import): {data['rows']:,} rows in "
                f"{elapsed:.1f}s = {data['rows'] / elapsed:,.0f} rows/s, {data['duplicates']:,} "
                f"duplicates; ingest peak RSS {rss_before:.0f} MB before, "
                f"{peak_rss_mb(ingest.pid):.0f} MB after",
                flush=True,
            )
        print(
            f"client (this process) peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
        )
    finally:
        ingest.stop()
        for leftover in workdir.iterdir():
            leftover.unlink()
        workdir.rmdir()
        await delete_topology(env.get("BOUNCEFLOW_AMQP_URL", LOCAL_AMQP), prefix)


async def delete_topology(amqp_url: str, prefix: str) -> None:
    """The queues and exchanges the ingest declared under `prefix` (as tests/conftest.py does)."""
    conn = await aio_pika.connect(amqp_url)
    async with conn:
        channel = await conn.channel()
        for queue in (f"{prefix}.raw", f"{prefix}.raw.dead"):
            await channel.queue_delete(queue)
        for exchange in (f"{prefix}.raw", f"{prefix}.dlx"):
            await channel.exchange_delete(exchange)


async def measure_reads(http: aiohttp.ClientSession, args: argparse.Namespace) -> None:
    n = args.subscribers
    rng = random.Random(5)
    # 10,000 addresses: ~10 % of them suppressed, some never seen
    batches = [
        [f"user{rng.randint(1, n + n // 10)}@example.com" for _ in range(10_000)]
        for _ in range(args.repeat + 1)
    ]
    suppressed_seen: list[int] = []
    # the client's own collector pauses are not the server's latency: the 51 x 10,000
    # addresses above made its heap big enough for a full collection to take ~20 ms
    gc.freeze()
    gc.disable()

    async def check() -> None:
        async with http.post("/api/v1/suppressions/check", json={"emails": batches.pop()}) as resp:
            assert resp.status == 200, await resp.text()
            suppressed_seen.append(len((await resp.json())["data"]["suppressed"]))

    try:
        ms = await timed(args.repeat, check)
    finally:
        gc.enable()
    print(
        line("POST /api/v1/suppressions/check, 10,000 addresses", ms)
        + f", ~{sum(suppressed_seen) / len(suppressed_seen):,.0f} suppressed each",
        flush=True,
    )

    async def get(query: str) -> dict[str, object]:
        async with http.get(f"/api/v1/bounces?{query}") as resp:
            assert resp.status == 200, await resp.text()
            doc: dict[str, object] = (await resp.json())["data"]
            return doc

    async def first_page() -> None:
        await get("limit=100")

    print(line("GET /api/v1/bounces?limit=100 (offset 0)", await timed(args.repeat, first_page)))
    deep = min(900_000, n - 100)

    async def by_offset() -> None:
        await get(f"limit=100&offset={deep}")

    print(
        line(
            f"GET /api/v1/bounces?limit=100&offset={deep:,}",
            await timed(args.repeat // 5, by_offset),
        )
    )
    # the cursor of row `deep`: the next_cursor of the page that ends there
    cursor = (await get(f"limit=20&offset={deep - 20}"))["next_cursor"]

    async def by_cursor() -> None:
        await get(f"limit=100&after={cursor}")

    print(
        line(
            f"GET /api/v1/bounces?limit=100&after=<cursor at row {deep:,}>",
            await timed(args.repeat, by_cursor),
        ),
        flush=True,
    )


if __name__ == "__main__":
    asyncio.run(main())
