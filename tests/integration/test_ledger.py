"""The ledger against a real Postgres: dedup, policy effects, the outbox in one transaction."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg

from shared.ledger import EventRecord, apply_events
from shared.models import Status
from shared.policy import HistoryKind

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


async def test_hard_bounce_sets_bounced_and_writes_one_webhook(db: asyncpg.Pool) -> None:
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


async def test_same_event_five_times_has_one_effect(db: asyncpg.Pool) -> None:
    for _ in range(5):
        async with db.acquire() as conn:
            await apply_events(conn, [rec("k1", HistoryKind.HARD, 1)] * 2, threshold=3)
    assert await db.fetchval("SELECT count(*) FROM events") == 1
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE event_type='email.bounced'") == 1
    assert await db.fetchval("SELECT bounce_count FROM subscribers") == 1


async def test_late_delivery_reverts_streak_bounce(db: asyncpg.Pool) -> None:
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


async def test_import_mode_changes_state_without_webhooks(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        await apply_events(conn, [rec("imp", HistoryKind.HARD, 1)], threshold=3, notify=False)
    assert await db.fetchval("SELECT status FROM subscribers") == "bounced"
    assert await db.fetchval("SELECT count(*) FROM outbox") == 0
