"""Retention: prune keeps every result right, drops old partitions, and runs once at a time."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import asyncpg

from services.processor.housekeeping import LOCK_ID, prune_once
from shared.ledger import EventRecord, apply_events
from shared.policy import HistoryKind
from shared.retention import Policy, prune
from shared.settings import Settings
from tests.helpers import wait_for
from tests.integration.test_ledger import apply_in_random_batches, random_events, reference, states

NOW = datetime.now(UTC)
# the month a year back: its deliveries partition exists (the migration creates 13 back)
OLD_MONTH = (NOW - timedelta(days=365)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
NEXT_MONTH = (OLD_MONTH + timedelta(days=32)).replace(day=1)
CUTOFF = NEXT_MONTH + timedelta(days=3)
KEEP = Policy(events=NOW - CUTOFF)


async def partitions(db: asyncpg.Pool) -> set[str]:
    rows = await db.fetch(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'deliveries'::regclass"
    )
    return {r["relname"] for r in rows}


async def received_as_they_happened(db: asyncpg.Pool) -> None:
    """The seeded events were received when they happened (prune needs both times old)."""
    await db.execute("UPDATE events SET created_at = occurred_at WHERE created_at > occurred_at")


async def test_prune_forgets_old_events_and_every_result_stays_right(db: asyncpg.Pool) -> None:
    old_partition = "deliveries_y" + OLD_MONTH.strftime("%Ym%m")
    for seed in range(12):
        await db.execute("TRUNCATE events, deliveries, subscribers, outbox, maintenance CASCADE")
        rnd = random.Random(seed)
        threshold = rnd.randint(2, 3)
        # a history around the cutoff: in the old month, just before, just after the cutoff
        before = random_events(rnd, rnd.randint(5, 30), OLD_MONTH + timedelta(days=2), 60)
        around = random_events(rnd, rnd.randint(5, 30), CUTOFF - timedelta(minutes=30), 60)
        await apply_in_random_batches(db, rnd, before + around, threshold)
        kept_bounces = await db.fetchval(
            "SELECT count(*) FROM events WHERE occurred_at >= $1 AND kind <> 'manual'", CUTOFF
        )
        state_before = await states(db)

        await received_as_they_happened(db)
        async with db.acquire() as conn:
            report = await prune(conn, KEEP, threshold, now=NOW)

        # the old month's partition went in the first round; later rounds' old deliveries
        # live in deliveries_past, which took over its range, and are deleted by age
        assert old_partition not in await partitions(db), f"seed {seed}"
        assert await db.fetchval("SELECT count(*) FROM events WHERE occurred_at < $1", CUTOFF) == 0
        gone = "SELECT count(*) FROM deliveries WHERE occurred_at < $1"
        assert await db.fetchval(gone, NEXT_MONTH) == 0  # the old month's partition went
        assert await states(db) == state_before, f"seed {seed}: prune changed a state"
        # the bounce log: the kept bounces, and its cached total agrees
        assert await db.fetchval("SELECT sum(n) FROM bounce_log_counts") == kept_bounces
        assert report.counts["events"] == len(
            [e for e in before + around if e.occurred_at < CUTOFF and e.kind.value != "delivery"]
        )
        # later events (any order, late deliveries among them) decide as if nothing was pruned
        after = random_events(rnd, rnd.randint(5, 30), CUTOFF, 90)
        await apply_in_random_batches(db, rnd, after, threshold)
        expected = reference(before + around + after, threshold)
        assert await states(db) == expected, f"seed {seed}"
    last = await db.fetchrow("SELECT last_run_at, result FROM maintenance WHERE task = 'prune'")
    assert last is not None
    assert last["last_run_at"] == NOW


def _record(key: str, kind: HistoryKind, at: datetime) -> EventRecord:
    return EventRecord(key, "late@x.io", kind, "ses", at)


async def test_a_streak_bounce_survives_the_prune_and_a_late_delivery_still_undoes_it(
    db: asyncpg.Pool,
) -> None:
    old = CUTOFF - timedelta(days=1)
    async with db.acquire() as conn:
        for i, at in enumerate((old, old + timedelta(hours=1))):
            await apply_events(conn, [_record(f"s{i}", HistoryKind.SOFT, at)], threshold=3)
        await apply_events(conn, [_record("s2", HistoryKind.SOFT, CUTOFF + timedelta(hours=2))], 3)
        assert await conn.fetchval("SELECT status FROM subscribers") == "bounced"
        await received_as_they_happened(db)
        await prune(conn, KEEP, 3, now=NOW)
        assert await conn.fetchval("SELECT count(*) FROM events") == 1
        assert await conn.fetchval("SELECT base_streak FROM subscribers") == 2
        # a delivery after the cutoff, before the third soft bounce, arrives late
        late = _record("d", HistoryKind.DELIVERY, CUTOFF + timedelta(hours=1))
        await apply_events(conn, [late], threshold=3)
    row = await db.fetchrow("SELECT status, soft_streak FROM subscribers")
    assert row is not None
    assert (row["status"], row["soft_streak"]) == ("active", 1)


async def test_webhook_log_and_idempotency_keys_go_by_age(db: asyncpg.Pool) -> None:
    long_ago = NOW - timedelta(days=45)
    endpoint = await db.fetchval(
        "INSERT INTO webhook_endpoints (url, events, secret) "
        "VALUES ('https://x.test/h', '{email.bounced}', 'whsec_x') RETURNING id"
    )
    for i, (at, status) in enumerate(
        [(long_ago, "succeeded"), (long_ago, "failed"), (long_ago, "pending"), (NOW, "succeeded")]
    ):
        outbox = await db.fetchval(
            "INSERT INTO outbox (message_id, event_type, payload, created_at, relayed_at) "
            "VALUES ($1, 'email.bounced', '{}', $2, $2) RETURNING id",
            f"m{i}",
            at,
        )
        delivery = await db.fetchval(
            "INSERT INTO webhook_deliveries (outbox_id, endpoint_id, message_id, event_type, "
            "status, created_at) VALUES ($1, $2, $3, 'email.bounced', $4, $5) RETURNING id",
            outbox,
            endpoint,
            f"m{i}",
            status,
            at,
        )
        await db.execute(
            "INSERT INTO webhook_attempts (delivery_id, attempted_at, latency_ms) VALUES ($1, $2, 1)",
            delivery,
            NOW if status == "pending" else at,  # a pending delivery's retry is recent
        )
    await db.execute(
        "INSERT INTO idempotency_keys (api_key_id, key, response, created_at) VALUES "
        "(1, 'old', 'null', $1), (1, 'new', 'null', $2)",
        NOW - timedelta(days=2),
        NOW,
    )
    await db.execute("TRUNCATE replay_guard")
    await db.execute(
        "INSERT INTO replay_guard (provider, token, body_sha256, seen_at) VALUES "
        "('mailgun', 'old', '\\x00', $1), ('mailgun', 'new', '\\x00', $2)",
        NOW - timedelta(hours=2),
        NOW - timedelta(minutes=5),
    )
    await received_as_they_happened(db)
    async with db.acquire() as conn:
        report = await prune(conn, Policy(replay_guard=timedelta(minutes=30)), 3, now=NOW)
    assert await db.fetchval("SELECT array_agg(token) FROM replay_guard") == ["new"]
    assert await db.fetchval("SELECT array_agg(message_id ORDER BY id) FROM outbox") == [
        "m2",
        "m3",
    ]
    assert await db.fetchval("SELECT count(*) FROM webhook_deliveries") == 2
    assert await db.fetchval("SELECT count(*) FROM webhook_attempts") == 2  # the pending's is young
    assert await db.fetchval("SELECT array_agg(key) FROM idempotency_keys") == ["new"]
    assert report.counts["webhook log"] == 2 + 2 + 2
    assert report.counts["idempotency keys"] == 1
    assert report.counts["replay guard"] == 1


async def test_one_replica_prunes_at_a_time(db: asyncpg.Pool, base_settings: Settings) -> None:
    async with db.acquire() as holder:
        await holder.execute("SELECT pg_advisory_lock($1)", LOCK_ID)
        try:
            assert await prune_once(db, base_settings) is False
        finally:
            await holder.execute("SELECT pg_advisory_unlock($1)", LOCK_ID)
    assert await prune_once(db, base_settings) is True
    assert await db.fetchval("SELECT count(*) FROM maintenance WHERE task = 'prune'") == 1


def test_prune_command_reports_what_it_removed(database_url: str) -> None:
    env = {**os.environ, "BOUNCEFLOW_DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "prune"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("pruned: ")


async def test_a_second_prune_keeps_a_delivery_that_ended_an_open_streak(
    db: asyncpg.Pool,
) -> None:
    old = CUTOFF - timedelta(days=1)
    async with db.acquire() as conn:
        for i, at in enumerate((old, old + timedelta(hours=1))):
            await apply_events(conn, [_record(f"s{i}", HistoryKind.SOFT, at)], threshold=3)
        await received_as_they_happened(db)
        await prune(conn, KEEP, 3, now=NOW)
        assert await conn.fetchval("SELECT base_streak FROM subscribers") == 2
        await apply_events(
            conn, [_record("d", HistoryKind.DELIVERY, CUTOFF + timedelta(hours=1))], 3
        )
        # the next prune's cutoff passes the delivery: the checkpoint must take it in
        await prune(conn, KEEP, 3, now=NOW + timedelta(days=2))
        assert await conn.fetchval("SELECT base_streak FROM subscribers") == 0
        await apply_events(conn, [_record("s3", HistoryKind.SOFT, CUTOFF + timedelta(days=3))], 3)
    row = await db.fetchrow("SELECT status, soft_streak FROM subscribers")
    assert row is not None
    assert (row["status"], row["soft_streak"]) == ("active", 1)


async def test_the_processor_prunes_on_its_own_and_stops_cleanly(
    db: asyncpg.Pool, settings: Settings
) -> None:
    from services.processor.app import serve

    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings.model_copy(update={"prune_interval": 60.0}), stop))

    async def pruned() -> bool:
        return bool(await db.fetchval("SELECT count(*) FROM maintenance WHERE task = 'prune'"))

    try:
        await wait_for(pruned, timeout=20, what="the processor's first prune")
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


async def test_prune_alongside_writers_reaches_the_full_replay(db: asyncpg.Pool) -> None:
    rnd = random.Random(7)
    before = random_events(rnd, 300, OLD_MONTH + timedelta(days=2), 60)
    before = [replace(e, email=f"c{rnd.randrange(40)}@x.io") for e in before]
    await apply_in_random_batches(db, rnd, before, 3)
    after = random_events(rnd, 300, CUTOFF, 600)
    after = [replace(e, email=f"c{rnd.randrange(40)}@x.io") for e in after]

    async def writer(chunk: list[EventRecord]) -> None:
        async with db.acquire() as conn:
            for i in range(0, len(chunk), 5):
                while True:
                    try:
                        await apply_events(conn, chunk[i : i + 5], 3)
                        break
                    except asyncpg.DeadlockDetectedError:
                        continue  # the processor retries a batch the same way

    async def pruner() -> None:
        await received_as_they_happened(db)
        async with db.acquire() as conn:
            await prune(conn, KEEP, 3, now=NOW)

    await asyncio.gather(pruner(), writer(after[0::2]), writer(after[1::2]))
    assert await db.fetchval("SELECT count(*) FROM events WHERE occurred_at < $1", CUTOFF) == 0
    assert await states(db) == reference(before + after, 3)


async def test_an_old_event_received_now_stays_in_the_bounce_log(db: asyncpg.Pool) -> None:
    """A provider's backlog or an imported list: events older than the retention that were
    received just now are in the state at once and stay listed for the retention period."""
    old = CUTOFF - timedelta(days=30)
    async with db.acquire() as conn:
        await apply_events(conn, [_record("h", HistoryKind.HARD, old)], threshold=3)
        await prune(conn, KEEP, 3, now=NOW)
        assert await conn.fetchval("SELECT count(*) FROM events") == 1
        assert await conn.fetchval("SELECT status FROM subscribers") == "bounced"
        await received_as_they_happened(db)  # ... and once its receipt is old too, it goes
        await prune(conn, KEEP, 3, now=NOW)
        assert await conn.fetchval("SELECT count(*) FROM events") == 0
        assert await conn.fetchval("SELECT status FROM subscribers") == "bounced"
