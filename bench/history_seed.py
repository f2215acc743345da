"""bench/history.py's seeding: server-side generate_series into a fresh database, and
the connection helpers that survive a Postgres restart mid-seed."""

from __future__ import annotations

import asyncio
import time

import asyncpg

from demo.processes import drop_database
from shared.migrate import ensure_database, migrate

BASE = "postgresql://postgres@127.0.0.1:5432/"
DAYS = 360  # seeded event times: the last DAYS days
HOT = "hot@bench.test"

SEED_SUBSCRIBERS = """
INSERT INTO subscribers (email, status)
SELECT 'u' || lpad(i::text, 8, '0') || '@bench.test', 'active' FROM generate_series(1, $1::int) i
"""
# deliveries in email order, so the email index grows at its right edge
SEED_DELIVERIES = """
INSERT INTO deliveries (dedup_hash, email, occurred_at, source)
SELECT md5('sendgrid:d' || j)::uuid,
       'u' || lpad((1 + (j - 1) * $2::bigint / $1::bigint)::text, 8, '0') || '@bench.test',
       now() - random() * interval '{days} days', 'sendgrid'
FROM generate_series(1, $1::int) j
"""
SEED_BOUNCES = """
INSERT INTO events (dedup_key, email, kind, source, occurred_at, smtp_code, diagnostic_code,
                    provider_message_id, ingest_id)
SELECT 'sendgrid:b' || lpad(j::text, 10, '0'),
       'u' || lpad((1 + (j - 1) * $2::bigint / $1::bigint)::text, 8, '0') || '@bench.test',
       (ARRAY['soft', 'soft', 'soft', 'soft', 'soft', 'soft', 'soft', 'hard', 'hard',
              'complaint'])[1 + j % 10],
       'sendgrid', now() - random() * interval '{days} days', '550',
       '550 5.1.1 The email account that you tried to reach does not exist',
       md5(j::text) || '.filterdrecv-p3las1', md5((j * 7)::text)
FROM generate_series(1, $1::int) j
"""
SEED_HOT = """
INSERT INTO deliveries (dedup_hash, email, occurred_at, source)
SELECT md5('sendgrid:h' || j)::uuid, '{hot}',
       now() - random() * interval '{days} days', 'sendgrid'
FROM generate_series($1::int, $2::int) j
"""
HOT_CHUNK = 100_000
# a delivery as the old ledger stored it: a full events row under all of events' indexes
OLD_LAYOUT_SQL = """
CREATE TABLE old_events (LIKE events INCLUDING DEFAULTS INCLUDING INDEXES);
INSERT INTO old_events (dedup_key, email, kind, source, occurred_at, provider_message_id,
                        ingest_id)
SELECT 'sendgrid:d' || lpad(j::text, 10, '0'),
       'u' || lpad((1 + j / 10)::text, 8, '0') || '@bench.test', 'delivery', 'sendgrid',
       now() - random() * interval '{days} days', md5(j::text) || '.filterdrecv-p3las1',
       md5((j * 7)::text)
FROM generate_series(1, $1::int) j;
"""
OLD_LAYOUT = OLD_LAYOUT_SQL.replace("{days}", str(DAYS))


RESTART_ERRORS = (OSError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError,
            asyncpg.CannotConnectNowError, asyncpg.AdminShutdownError)  # fmt: skip


async def wait_for_postgres() -> None:
    for _ in range(120):
        try:
            await (await asyncpg.connect(BASE + "postgres")).close()
            return
        except RESTART_ERRORS:
            await asyncio.sleep(1)


async def fresh_database(name: str) -> str:
    url = BASE + name
    await wait_for_postgres()
    await drop_database(url)
    await ensure_database(url)
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)  # partitions 13 months back: the seeded times are within
    finally:
        await conn.close()
    return url


async def resilient(url: str, sql: str, *args: object) -> object:
    """fetchval `sql`, again after a database restart (each seed step is one statement)."""
    while True:
        try:
            conn = await asyncpg.connect(url)
            try:
                return await conn.fetchval(sql, *args)
            finally:
                await conn.close()
        except RESTART_ERRORS:
            print("  (database restarted; again)", flush=True)
            await wait_for_postgres()


async def seed(url: str, events: int, addresses: int, hot: int) -> None:
    """Seed what is not there yet: a run interrupted by a database restart resumes."""
    deliveries = events * 9 // 10
    steps = (
        ("subscribers", "SELECT count(*) FROM subscribers", addresses, SEED_SUBSCRIBERS,
         (addresses,)),
        ("deliveries", "SELECT count(*) FROM deliveries WHERE email <> $1", deliveries,
         SEED_DELIVERIES.format(days=DAYS), (deliveries, addresses)),
        ("bounces", "SELECT count(*) FROM events", events - deliveries,
         SEED_BOUNCES.format(days=DAYS), (events - deliveries, addresses)),
    )  # fmt: skip
    for what, count, expected, sql, args in steps:
        have = await resilient(url, count, *([HOT] if "$1" in count else []))
        if isinstance(have, int) and have >= expected:
            continue
        t = time.monotonic()
        await resilient(url, sql, *args)
        print(f"  seeded {what}: {time.monotonic() - t:.0f} s", flush=True)
    await resilient(url, "INSERT INTO subscribers (email) VALUES ($1) ON CONFLICT DO NOTHING", HOT)
    t = time.monotonic()
    while True:  # in chunks, in order: the count says where an interrupted run stopped
        done = await resilient(url, "SELECT count(*) FROM deliveries WHERE email = $1", HOT)
        assert isinstance(done, int)
        if done >= hot:
            break
        await resilient(
            url, SEED_HOT.format(hot=HOT, days=DAYS), done + 1, min(hot, done + HOT_CHUNK)
        )
    print(f"  seeded {hot:,} deliveries of {HOT}: {time.monotonic() - t:.0f} s", flush=True)
    t = time.monotonic()
    await resilient(url, "ANALYZE")
    print(f"  analyzed: {time.monotonic() - t:.0f} s", flush=True)
