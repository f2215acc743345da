"""The ledger against a real Postgres: dedup, policy effects, the outbox in one transaction."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import asyncpg

from shared.ledger import EventRecord, apply_events
from shared.models import Status
from shared.policy import AddressState, HistoryEvent, HistoryKind, replay
from tests.helpers import wait_for

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def rec(key: str, kind: HistoryKind, minute: int, email: str = "A@Example.com") -> EventRecord:
    return EventRecord(
        dedup_key=key,
        email=email.lower(),
        kind=kind,
        source="ses",
        occurred_at=T0 + timedelta(minutes=minute),
        smtp_code="550",
        diagnostic_code="5.1.1 no such user",
        provider_message_id="m-" + key,
        ingest_id="ing-" + key,
    )


async def test_hard_bounce_sets_bounced_and_writes_one_webhook(listening: asyncpg.Pool) -> None:
    db = listening
    async with db.acquire() as conn:
        result = await apply_events(conn, [rec("k1", HistoryKind.HARD, 1)], threshold=3)
    assert list(result.inserted) == ["k1"]
    sub = await db.fetchrow("SELECT * FROM subscribers WHERE email = 'a@example.com'")
    assert sub is not None
    assert sub["status"] == "bounced"
    assert sub["bounce_count"] == 1
    kinds = [r["event_type"] for r in await db.fetch("SELECT event_type FROM outbox ORDER BY id")]
    assert kinds == ["email.bounced", "subscriber.status_changed"]
    payload = await db.fetchval("SELECT payload FROM outbox WHERE event_type = 'email.bounced'")
    assert payload["to"] == "a@example.com"
    assert payload["subscriber_status"] == "bounced"
    assert payload["bounce_code"] == "550"


async def test_same_event_five_times_has_one_effect(listening: asyncpg.Pool) -> None:
    db = listening
    for _ in range(5):
        async with db.acquire() as conn:
            await apply_events(conn, [rec("k1", HistoryKind.HARD, 1)] * 2, threshold=3)
    assert await db.fetchval("SELECT count(*) FROM events") == 1
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE event_type='email.bounced'") == 1
    assert await db.fetchval("SELECT bounce_count FROM subscribers") == 1


async def test_late_delivery_reverts_streak_bounce(listening: asyncpg.Pool) -> None:
    db = listening
    async with db.acquire() as conn:
        for i, minute in enumerate((1, 3, 4)):
            await apply_events(conn, [rec(f"s{i}", HistoryKind.SOFT, minute)], threshold=3)
        assert await conn.fetchval("SELECT status FROM subscribers") == Status.BOUNCED
        await apply_events(conn, [rec("d", HistoryKind.DELIVERY, 2)], threshold=3)
    row = await db.fetchrow("SELECT status, soft_streak FROM subscribers")
    assert row is not None
    assert (row["status"], row["soft_streak"]) == ("active", 2)
    changes = await db.fetch(
        "SELECT payload FROM outbox WHERE event_type='subscriber.status_changed' ORDER BY id"
    )
    assert [c["payload"]["status"] for c in changes] == ["bounced", "active"]


async def test_concurrent_writers_reach_the_serial_state(db: asyncpg.Pool) -> None:
    events = [rec(f"s{i}", HistoryKind.SOFT, i, email=f"u{i % 5}@x.io") for i in range(60)]
    events += [rec(f"d{i}", HistoryKind.DELIVERY, 30, email=f"u{i}@x.io") for i in range(5)]

    async def writer(chunk: list[EventRecord]) -> None:
        async with db.acquire() as conn:
            for i in range(0, len(chunk), 7):
                while True:
                    try:
                        await apply_events(conn, chunk[i : i + 7], threshold=3)
                        break
                    except asyncpg.DeadlockDetectedError:
                        continue

    await asyncio.gather(*(writer(events[i::4]) for i in range(4)))
    rows = await db.fetch("SELECT email, status, soft_streak FROM subscribers ORDER BY email")
    # each address: softs at minutes i (i%5 == n), delivery at 30 -> streak = softs after 30
    for row in rows:
        n = int(row["email"][1])
        after = len([i for i in range(60) if i % 5 == n and i >= 30])  # "d.." sorts before "s30"
        assert row["soft_streak"] == after
        assert row["status"] == "bounced"  # three softs before minute 30 already


async def test_an_address_another_transaction_adds_meanwhile_is_locked_and_applied(
    db: asyncpg.Pool,
) -> None:
    # the apply finds no row for the address, inserts it and waits on the other
    # transaction's uncommitted insert of the same address; once that commits, its own
    # insert does nothing, and the address is locked and decided all the same
    async with db.acquire() as other, db.acquire() as conn:
        tx = other.transaction()
        await tx.start()
        await other.execute("INSERT INTO subscribers (email, name) VALUES ('a@example.com', 'Ann')")
        apply = asyncio.create_task(apply_events(conn, [rec("k1", HistoryKind.HARD, 1)], 3))
        pid = conn.get_server_pid()

        async def waits_on_the_insert() -> bool:
            return bool(
                await db.fetchval(
                    "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", pid
                )
            )

        await wait_for(waits_on_the_insert, what="the apply waiting on the other insert")
        await tx.commit()
        result = await apply
    assert result.decisions["a@example.com"].state.status is Status.BOUNCED
    row = await db.fetchrow("SELECT status, name, bounce_count FROM subscribers")
    assert row is not None
    assert (row["status"], row["name"], row["bounce_count"]) == ("bounced", "Ann", 1)


async def test_outbox_rows_only_for_event_types_an_enabled_endpoint_wants(
    db: asyncpg.Pool,
) -> None:
    async def apply(key: str) -> None:
        async with db.acquire() as conn:
            await apply_events(conn, [rec(key, HistoryKind.HARD, 1, f"{key}@x.io")], threshold=3)

    async def outbox() -> list[str]:
        return [r[0] for r in await db.fetch("SELECT event_type FROM outbox ORDER BY id")]

    await apply("nobody")  # no endpoint at all: nothing to relay, nothing written
    assert await outbox() == []
    sql = "INSERT INTO webhook_endpoints (url, events, secret, enabled) VALUES ($1, $2, $3, $4)"
    secret = "whsec_" + "B" * 32
    await db.execute(sql, "https://a.invalid/", ["email.bounced"], secret, False)
    await apply("disabled")  # a disabled endpoint receives nothing (as the relay decides)
    assert await outbox() == []
    await db.execute(sql, "https://b.invalid/", ["subscriber.status_changed"], secret, True)
    await apply("changes")
    assert await outbox() == ["subscriber.status_changed"]
    assert await db.fetchval("SELECT count(*) FROM subscribers WHERE status = 'bounced'") == 3


async def test_import_mode_changes_state_without_webhooks(listening: asyncpg.Pool) -> None:
    db = listening
    async with db.acquire() as conn:
        await apply_events(conn, [rec("imp", HistoryKind.HARD, 1)], threshold=3, notify=False)
    assert await db.fetchval("SELECT status FROM subscribers") == "bounced"
    assert await db.fetchval("SELECT count(*) FROM outbox") == 0


def random_events(rnd: random.Random, n: int, start: datetime, minutes: int) -> list[EventRecord]:
    """Events over three addresses, kinds weighted like real traffic; times tie often."""
    kinds = [*[HistoryKind.DELIVERY] * 5, *[HistoryKind.SOFT] * 4, HistoryKind.HARD]
    kinds += [HistoryKind.COMPLAINT, HistoryKind.MANUAL]
    out = []
    for _ in range(n):
        kind = rnd.choice(kinds)
        out.append(
            EventRecord(
                dedup_key=f"{rnd.choice('abcdef')}{rnd.getrandbits(40):x}",
                email=f"r{rnd.randrange(3)}@x.io",
                kind=kind,
                source="ses",
                occurred_at=start + timedelta(minutes=rnd.randrange(minutes)),
                set_status=rnd.choice(list(Status)) if kind is HistoryKind.MANUAL else None,
            )
        )
    return out


def reference(events: list[EventRecord], threshold: int) -> dict[str, AddressState]:
    """The old full replay of every event of each address: the specification."""
    by_email: dict[str, list[HistoryEvent]] = {}
    for e in events:
        by_email.setdefault(e.email, []).append(e.history())
    return {email: replay(h, threshold) for email, h in by_email.items()}


async def states(db: asyncpg.Pool) -> dict[str, AddressState]:
    rows = await db.fetch("SELECT email, status, soft_streak FROM subscribers")
    return {r["email"]: AddressState(Status(r["status"]), r["soft_streak"]) for r in rows}


async def apply_in_random_batches(
    db: asyncpg.Pool, rnd: random.Random, events: list[EventRecord], threshold: int
) -> None:
    shuffled = events[:]
    rnd.shuffle(shuffled)
    async with db.acquire() as conn:
        i = 0
        while i < len(shuffled):
            size = rnd.randint(1, 6)
            await apply_events(conn, shuffled[i : i + size], threshold)
            i += size


async def test_any_arrival_order_reaches_the_full_replay(db: asyncpg.Pool) -> None:
    # the bounded path (sparse delivery probes) against the old full replay, 40 random sets
    for seed in range(40):
        await db.execute("TRUNCATE events, deliveries, subscribers, outbox CASCADE")
        rnd = random.Random(seed)
        threshold = rnd.randint(1, 4)
        events = random_events(rnd, rnd.randint(1, 40), T0, 12)
        await apply_in_random_batches(db, rnd, events, threshold)
        assert await states(db) == reference(events, threshold), f"seed {seed}"


async def test_a_redelivered_delivery_is_stored_once(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        first = await apply_events(conn, [rec("d1", HistoryKind.DELIVERY, 1)], threshold=3)
        again = await apply_events(conn, [rec("d1", HistoryKind.DELIVERY, 1)] * 2, threshold=3)
    assert (first.stored, again.stored, again.duplicates) == (1, 0, 2)
    assert await db.fetchval("SELECT count(*) FROM deliveries") == 1
    assert await db.fetchval("SELECT count(*) FROM events") == 0
