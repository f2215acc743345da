"""Isolation in the notifier, against real local receivers and the real database: a
hanging endpoint does not slow a healthy one (latency measured and printed), retries
and first attempts never starve each other, the per-endpoint cap holds across
replicas, and a long request is never sent twice by another replica (issue 4,
"Done when" 2)."""

from __future__ import annotations

import asyncio
import time
import uuid

import asyncpg
import pytest

from services.notifier import dispatcher
from shared.settings import Settings
from tests.helpers import wait_for
from tests.integration.notifier_kit import (
    Receiver,
    StartNotifier,
    StartReceiver,
    add_endpoint,
    add_outbox,
    all_in,
)

# Events per phase of the latency comparison.
SAMPLES = 300


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def latencies(db: asyncpg.Pool, receiver: Receiver, count: int, tag: str) -> list[float]:
    """Send `count` events one at a time (each in its own transaction, paced 10 ms
    apart) and return each one's outbox-row-to-receiver latency, in seconds."""
    ids = []
    for n in range(count):
        ids.append(await add_outbox(db, "email.bounced", to=f"{tag}{n}@example.com"))
        await _pace()
    hits = receiver.hits

    async def all_arrived() -> bool:
        got = {h.headers["webhook-id"] for h in hits}
        return all(i in got for i in ids)

    await wait_for(all_arrived, timeout=20, what=f"{count} {tag} events")
    created = {
        r["message_id"]: r["created_at"].timestamp()
        for r in await db.fetch(
            "SELECT message_id, created_at FROM outbox WHERE message_id = ANY ($1)", ids
        )
    }
    arrived = {h.headers["webhook-id"]: h.at for h in hits if h.headers["webhook-id"] in created}
    return [arrived[i] - created[i] for i in ids]


async def _pace() -> None:
    # the load generator's own rate (100 events/s), not a synchronisation
    await asyncio.sleep(0.01)


async def test_a_hanging_endpoint_does_not_slow_a_healthy_one(
    db: asyncpg.Pool, fast: Settings, receiver_factory: StartReceiver, notifier: StartNotifier
) -> None:
    healthy = await receiver_factory()
    # a fast real endpoint takes a few ms to answer; at 0 ms the ratio would measure
    # scheduler noise of this shared test machine more than the notifier
    healthy.delay = 0.005
    await add_endpoint(db, healthy.url, ["email.bounced"])
    settings = fast.model_copy(update={"notifier_concurrency": 8, "notifier_request_timeout": 2.0})
    notifier(settings)
    await latencies(db, healthy, 20, "warmup")
    alone = await latencies(db, healthy, SAMPLES, "alone")

    hanging = await receiver_factory()
    hanging.gate.clear()  # never answers: every request runs into the 2 s timeout
    await add_endpoint(db, hanging.url, ["email.bounced"])
    for n in range(4):
        await add_outbox(db, "email.bounced", to=f"first{n}@example.com")

    async def hanging_holds_its_cap() -> bool:
        return hanging.in_flight == dispatcher.per_endpoint_cap(8)

    await wait_for(hanging_holds_its_cap, what="the hanging endpoint holding its slots")
    shared = await latencies(db, healthy, SAMPLES, "shared")
    assert hanging.max_in_flight == dispatcher.per_endpoint_cap(8)
    backlog = await db.fetchval(
        "SELECT count(*) FROM webhook_deliveries d JOIN webhook_endpoints e"
        " ON e.id = d.endpoint_id WHERE e.url = $1 AND d.status = 'pending'",
        hanging.url,
    )

    p50a, p99a, p50s, p99s = (
        pct(alone, 50),
        pct(alone, 99),
        pct(shared, 50),
        pct(shared, 99),
    )
    print(
        f"\nhealthy endpoint (answers in 5 ms), outbox row -> receiver ({SAMPLES} events each): "
        f"alone p50 {p50a * 1000:.1f} ms p99 {p99a * 1000:.1f} ms; "
        f"beside a hanging endpoint ({backlog} deliveries queued for it) "
        f"p50 {p50s * 1000:.1f} ms p99 {p99s * 1000:.1f} ms "
        f"(p99 ratio {p99s / p99a:.2f})"
    )
    # Slowed by the hanging endpoint would mean waits of up to its 2 s timeout; on this
    # shared 2-core machine a p99 of 300 samples also moves by tens of ms on its own, so
    # a slack of 100 ms (a twentieth of the timeout) keeps the test about the notifier.
    assert p99s <= max(2 * p99a, p99a + 0.1)


async def _seed(db: asyncpg.Pool, endpoint_id: int, count: int, *, retry: bool) -> None:
    """`count` deliveries due for a minute already: retries (one attempt made) or first
    attempts, as a backlog would look."""
    await db.execute(
        "WITH o AS (INSERT INTO outbox (message_id, event_type, payload, relayed_at)"
        " SELECT 'msg_seed_' || $3 || '_' || g, 'email.bounced', '{}'::jsonb, now()"
        " FROM generate_series(1, $2) g RETURNING id, message_id)"
        " INSERT INTO webhook_deliveries (outbox_id, endpoint_id, message_id, event_type,"
        " attempts, next_attempt_at) SELECT o.id, $1, o.message_id, 'email.bounced', $4,"
        " now() - interval '1 minute' FROM o",
        endpoint_id,
        count,
        uuid.uuid4().hex[:8],
        1 if retry else 0,
    )


@pytest.mark.parametrize("flood", ["retries", "first attempts"])
async def test_a_flood_of_one_kind_never_starves_the_other(
    db: asyncpg.Pool,
    fast: Settings,
    receiver_factory: StartReceiver,
    notifier: StartNotifier,
    flood: str,
) -> None:
    receiver = await receiver_factory()
    receiver.delay = 0.02  # 20 ms an answer: the backlog takes 400 x 20 ms / 2 slots = 4 s
    endpoint_id, _ = await add_endpoint(db, receiver.url, ["email.bounced"])
    await _seed(db, endpoint_id, 400, retry=flood == "retries")
    notifier(fast.model_copy(update={"notifier_concurrency": 8}))  # 2 slots per endpoint

    async def flowing() -> bool:
        return len(receiver.hits) >= 10

    await wait_for(flowing, what="the backlog flowing")
    started = time.monotonic()
    if flood == "retries":
        probe = await add_outbox(db, "email.bounced", to="new@example.com")  # a first attempt
    else:
        (probe,) = [
            await db.fetchval(
                "UPDATE webhook_deliveries SET attempts = 1, next_attempt_at = now()"
                " WHERE id = (SELECT max(id) FROM webhook_deliveries) RETURNING message_id"
            )
        ]

    async def probe_arrived() -> int | None:
        ids = [h.headers["webhook-id"] for h in receiver.hits]
        return ids.index(probe) + 1 if probe in ids else None

    position = await wait_for(probe_arrived, what="the other kind through the flood")
    waited = time.monotonic() - started
    left = await db.fetchval("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")
    print(f"\n{flood} flood: the other kind arrived {waited * 1000:.0f} ms later, {left} left")
    assert waited < 0.5  # behind the whole backlog it would have waited ~4 s
    assert left > 300
    assert position is not None


async def test_the_per_endpoint_cap_holds_across_replicas(
    db: asyncpg.Pool, fast: Settings, receiver_factory: StartReceiver, notifier: StartNotifier
) -> None:
    hanging, healthy = await receiver_factory(), await receiver_factory()
    hanging.gate.clear()
    await add_endpoint(db, hanging.url, ["email.bounced"])
    await add_endpoint(db, healthy.url, ["email.bounced"])
    for n in range(12):
        await add_outbox(db, "email.bounced", to=f"n{n}@example.com")
    settings = fast.model_copy(update={"notifier_concurrency": 8})  # cap 2 per endpoint
    notifier(settings), notifier(settings)

    async def healthy_done() -> bool:
        return len(healthy.hits) == 12

    await wait_for(healthy_done, what="the healthy endpoint served by both replicas")
    assert hanging.max_in_flight == 2  # not 2 per replica
    hanging.gate.set()
    await wait_for(all_in(db, "succeeded", 24), what="the hanging endpoint catching up")
    assert hanging.max_in_flight == 2


async def test_a_long_request_is_not_sent_twice_by_another_replica(
    db: asyncpg.Pool,
    fast: Settings,
    receiver_factory: StartReceiver,
    notifier: StartNotifier,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # leases of 1 s (renewed every 1/3 s) for requests that take 2.5 s
    monkeypatch.setattr(dispatcher, "LEASE_MARGIN", -2.0)
    receiver = await receiver_factory()
    receiver.delay = 2.5
    await add_endpoint(db, receiver.url, ["email.bounced"])
    msg_id = await add_outbox(db, "email.bounced", to="jane@example.com")
    settings = fast.model_copy(update={"notifier_request_timeout": 3.0})
    first, second = notifier(settings), notifier(settings)
    await wait_for(all_in(db, "succeeded", 1), what="the slow delivery", timeout=10)
    await first.shutdown()
    await second.shutdown()
    assert [h.headers["webhook-id"] for h in receiver.hits] == [msg_id]
    assert receiver.requests == 1
    assert await db.fetchval("SELECT attempts FROM webhook_deliveries") == 1
