"""Cost per event against history size (issue 11).

Seeds a database server-side (INSERT ... SELECT generate_series: one statement per
table, rows in index order, ~3x faster here than COPY from a client) with `--events`
events over `--addresses` addresses (90 % deliveries, the rest soft/hard/complaint
bounces), plus one address with `--hot` stored deliveries, then prints:

- apply latency p50/p99 (one event per transaction through shared.ledger.apply_events,
  what POST /api/v1/bounces and the processor do) for fresh addresses and for the hot one;
- applied events/s (batches of 200, two writers, 90 % deliveries, new events every run)
  on an empty database and on the seeded one: the median of `--runs` runs each, through
  the services' pool settings (shared.db.create_pool), the seeded one after a CHECKPOINT
  of the seed's writes. Twice: events dated as live traffic is (within the last
  LIVE_HOURS: a provider posts within seconds, a soft bounce's DSN can come days late)
  and at random over the last DAYS days (the indexes' worst case: every insert on a
  random page of a random month);
- disk per million events: deliveries as the slim partitioned rows they are now, bounces
  as events rows, and a delivery stored the old way (a full events row, old indexes).

Everything shares the machine with Postgres. Autovacuum may be off: the seeded tables
are ANALYZEd explicitly.

    .venv/bin/python bench/history.py [--events 10000000] [--addresses 1000000] [--hot 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.history_seed import (
    BASE,
    DAYS,
    HOT,
    OLD_LAYOUT,
    RESTART_ERRORS,
    fresh_database,
    seed,
    wait_for_postgres,
)
from bench.pipeline import pct
from demo.processes import drop_database
from shared.db import create_pool
from shared.ledger import EventRecord, apply_events
from shared.migrate import migrate
from shared.policy import HistoryKind

THRESHOLD = 3


def record(email: str, kind: HistoryKind, at: datetime) -> EventRecord:
    return EventRecord(
        dedup_key=f"bench:{uuid.uuid4().hex}",
        email=email,
        kind=kind,
        source="sendgrid",
        occurred_at=at,
        smtp_code="450" if kind is HistoryKind.SOFT else None,
        diagnostic_code="450 4.2.2 mailbox full" if kind is HistoryKind.SOFT else None,
        provider_message_id=uuid.uuid4().hex,
        ingest_id=uuid.uuid4().hex,
    )


LIVE_HOURS = 72  # providers retry and DSNs arrive for up to three days


def random_time(rnd: random.Random, days: float = DAYS) -> datetime:
    return datetime.now(UTC) - timedelta(seconds=rnd.uniform(0, days * 86400))


def live_time(rnd: random.Random) -> datetime:
    return random_time(rnd, LIVE_HOURS / 24)


DATINGS: dict[str, Callable[[random.Random], datetime]] = {
    "live traffic": live_time,
    "random over a year": random_time,
}


# Other work on this machine restarts Postgres now and then: an attempt that meets a
# restart is retried once the database answers again, and its time is not counted.


async def timed_apply(pool: asyncpg.Pool, records: list[EventRecord]) -> tuple[float, float]:
    """Apply `records`; (seconds it took, seconds lost to database restarts)."""
    lost = 0.0
    while True:
        t = time.perf_counter()
        try:
            async with pool.acquire() as conn:
                await apply_events(conn, records, THRESHOLD)
            return time.perf_counter() - t, lost
        except asyncpg.DeadlockDetectedError:
            continue  # what the processor's retry does
        except RESTART_ERRORS:
            await asyncio.sleep(1)
            lost += time.perf_counter() - t


async def latency(pool: asyncpg.Pool, samples: int) -> tuple[list[float], list[float]]:
    """Apply one event per transaction: a new address each time, then the hot address."""
    rnd = random.Random(1)
    kinds = (HistoryKind.DELIVERY, HistoryKind.SOFT)
    fresh: list[float] = []
    hot: list[float] = []
    for i in range(samples * 2):
        email = HOT if i % 2 else f"fresh{i}-{uuid.uuid4().hex[:6]}@bench.test"
        rec = record(email, kinds[(i // 2) % 2], random_time(rnd))
        took, _lost = await timed_apply(pool, [rec])
        (hot if i % 2 else fresh).append(took * 1000)
    return fresh, hot


async def throughput(
    pool: asyncpg.Pool,
    total: int,
    addresses: int,
    dated: Callable[[random.Random], datetime],
    seed: int,
) -> float:
    """Events/s applied in batches of 200 by two writers, 90 % deliveries; `seed` picks
    the addresses and kinds (a run that repeated another's addresses would find their
    pages cached)."""
    rnd = random.Random(seed)
    batches = []
    for _ in range(total // 200):
        batch = []
        for _ in range(200):
            email = f"u{rnd.randint(1, addresses):08d}@bench.test"
            roll = rnd.random()
            kind = (
                HistoryKind.DELIVERY
                if roll < 0.9
                else HistoryKind.SOFT
                if roll < 0.97
                else HistoryKind.HARD
            )
            batch.append(record(email, kind, dated(rnd)))
        batches.append(batch)

    async def writer(mine: list[list[EventRecord]]) -> float:
        lost = 0.0
        for b in mine:
            lost += (await timed_apply(pool, b))[1]
        return lost

    t = time.monotonic()
    lost = await asyncio.gather(writer(batches[0::2]), writer(batches[1::2]))
    return len(batches) * 200 / (time.monotonic() - t - max(lost))


async def rates(
    pool: asyncpg.Pool, total: int, addresses: int, runs: int, what: str
) -> dict[str, float]:
    """`runs` throughput runs per dating, each of new events; prints them and returns the
    medians by dating."""
    medians = {}
    for n, (dating, dated) in enumerate(DATINGS.items()):
        # the same runs on either database: seeds 100 * n + run
        got = [await throughput(pool, total, addresses, dated, 100 * n + i) for i in range(runs)]
        shown = ", ".join(f"{r:,.0f}" for r in got)
        medians[dating] = statistics.median(got)
        print(
            f"applied on {what}, dated as {dating}: median {medians[dating]:,.0f} events/s "
            f"({shown})",
            flush=True,
        )
    return medians


async def checkpoint(url: str) -> None:
    """Flush the seed's writes first: otherwise the checkpoint of the ~3 GB it wrote runs
    during the measurement and is counted against the seeded database."""
    conn = await asyncpg.connect(url)
    try:
        t = time.monotonic()
        await conn.execute("CHECKPOINT")
        print(f"  checkpoint: {time.monotonic() - t:.0f} s", flush=True)
    finally:
        await conn.close()


async def disk(url: str, events: int, sample: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        deliveries = int(await conn.fetchval("SELECT count(*) FROM deliveries"))
        bounces = int(await conn.fetchval("SELECT count(*) FROM events"))
        d_bytes = int(
            await conn.fetchval(
                "SELECT sum(pg_total_relation_size(i.inhrelid)) FROM pg_inherits i "
                "WHERE i.inhparent = 'deliveries'::regclass"
            )
        )
        e_bytes = int(await conn.fetchval("SELECT pg_total_relation_size('events')"))
        await conn.execute(OLD_LAYOUT.split(";")[0])
        await conn.execute(OLD_LAYOUT.split(";")[1], sample)
        o_bytes = int(await conn.fetchval("SELECT pg_total_relation_size('old_events')"))
        await conn.execute("DROP TABLE old_events")
    finally:
        await conn.close()
    per_delivery, per_bounce, old = d_bytes / deliveries, e_bytes / bounces, o_bytes / sample
    mixed_new = 0.9 * per_delivery + 0.1 * per_bounce
    mixed_old = 0.9 * old + 0.1 * per_bounce
    print(
        f"disk per million events (90 % deliveries): before {mixed_old * 1e6 / 2**20:,.0f} MiB, "
        f"after {mixed_new * 1e6 / 2**20:,.0f} MiB  (a delivery {old:.0f} -> {per_delivery:.0f} "
        f"bytes with indexes; a bounce {per_bounce:.0f} bytes)",
        flush=True,
    )


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--addresses", type=int, default=100_000)
    ap.add_argument("--hot", type=int, default=1_000_000)
    ap.add_argument("--samples", type=int, default=200, help="latency samples per kind")
    ap.add_argument("--apply", type=int, default=20_000, help="events per throughput run")
    ap.add_argument("--runs", type=int, default=3, help="throughput runs per database (median)")
    ap.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    ap.add_argument(
        "--resume", action="store_true", help="reuse the seeded database of an interrupted run"
    )
    args = ap.parse_args()

    empty = await fresh_database("bounceflow_bench_history_empty")
    pool = await create_pool(empty, size=2)  # the services' connection settings
    try:
        empty_rate = await rates(pool, args.apply, args.addresses, args.runs, "an empty database")
    finally:
        await pool.close()

    if args.resume:
        seeded = BASE + "bounceflow_bench_history_seeded"
        await wait_for_postgres()
        conn = await asyncpg.connect(seeded)
        try:
            await migrate(conn)
        finally:
            await conn.close()
    else:
        seeded = await fresh_database("bounceflow_bench_history_seeded")
    print(f"seeding {args.events:,} events over {args.addresses:,} addresses ...", flush=True)
    await seed(seeded, args.events, args.addresses, args.hot)
    await checkpoint(seeded)
    pool = await create_pool(seeded, size=2)
    try:
        fresh, hot = await latency(pool, args.samples)
        print(
            f"apply latency, fresh address: p50 {pct(fresh, 50):.1f} ms, p99 {pct(fresh, 99):.1f} ms"
            f"; address with {args.hot:,} deliveries: p50 {pct(hot, 50):.1f} ms, "
            f"p99 {pct(hot, 99):.1f} ms",
            flush=True,
        )
        seeded_rate = await rates(
            pool, args.apply, args.addresses, args.runs, f"{args.events:,} seeded events"
        )
    finally:
        await pool.close()
    for dating in DATINGS:
        change = (seeded_rate[dating] / empty_rate[dating] - 1) * 100
        print(f"seeded vs empty (medians), {dating}: {change:+.0f} %", flush=True)
    await disk(seeded, args.events, min(args.events, 1_000_000))
    if not args.keep:
        await drop_database(empty)
        await drop_database(seeded)


if __name__ == "__main__":
    asyncio.run(main())
