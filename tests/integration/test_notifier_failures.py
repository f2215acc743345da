"""The notifier's answers to failing endpoints, against real Postgres and local receivers:
410, Retry-After, private destinations, a corrupt secret, a slow endpoint."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
from aiohttp import web

from shared.settings import Settings
from tests.helpers import wait_for
from tests.integration.notifier_kit import (
    StartNotifier,
    StartReceiver,
    add_endpoint,
    add_outbox,
    all_in,
    always,
    one,
)


async def test_410_gone_disables_the_endpoint(
    db: asyncpg.Pool, fast: Settings, receiver_factory: StartReceiver, notifier: StartNotifier
) -> None:
    receiver = await receiver_factory(always(410))
    endpoint_id, _ = await add_endpoint(db, receiver.url, ["email.bounced"])
    await add_outbox(db, "email.bounced", to="jane@example.com")
    notifier(fast)
    await wait_for(all_in(db, "failed", 1), what="delivery failed on 410")

    endpoint = await one(
        db, "SELECT enabled, disabled_reason FROM webhook_endpoints WHERE id = $1", endpoint_id
    )
    assert not endpoint["enabled"]
    assert "410" in endpoint["disabled_reason"]
    assert await db.fetchval("SELECT attempts FROM webhook_deliveries") == 1
    # the next event is not even relayed to it
    await add_outbox(db, "email.bounced", to="john@example.com")

    async def relayed() -> bool:
        return bool(await db.fetchval("SELECT count(*) FROM outbox WHERE relayed_at IS NULL") == 0)

    await wait_for(relayed, what="second row relayed")
    assert await db.fetchval("SELECT count(*) FROM webhook_deliveries") == 1
    assert receiver.requests == 1


async def test_retry_after_on_429_pushes_the_retry_later(
    db: asyncpg.Pool, fast: Settings, receiver_factory: StartReceiver, notifier: StartNotifier
) -> None:
    receiver = await receiver_factory(
        lambda _n: web.Response(status=429, headers={"Retry-After": "30"})
    )
    await add_endpoint(db, receiver.url, ["email.bounced"])
    await add_outbox(db, "email.bounced", to="jane@example.com")
    notifier(fast)

    async def rate_limited() -> asyncpg.Record | None:
        return await db.fetchrow(
            "SELECT d.next_attempt_at - a.attempted_at AS wait FROM webhook_deliveries d"
            " JOIN webhook_attempts a ON a.delivery_id = d.id WHERE d.attempts = 1"
        )

    row = await wait_for(rate_limited, what="first attempt rate-limited")
    assert row is not None
    # the schedule says 0.2 s; the endpoint asked for 30 s
    assert timedelta(seconds=29) < row["wait"] < timedelta(seconds=31)
    assert receiver.requests == 1


# -- destinations --------------------------------------------------------------------------


async def test_private_destinations_refused_unless_allowed(
    db: asyncpg.Pool, fast: Settings, receiver_factory: StartReceiver, notifier: StartNotifier
) -> None:
    receiver = await receiver_factory()
    port = receiver.url.split(":")[2].split("/")[0]
    await add_endpoint(db, receiver.url, ["email.bounced"])  # an IP literal
    await add_endpoint(db, f"http://localhost:{port}/hook", ["email.bounced"])  # a name
    await add_outbox(db, "email.bounced", to="jane@example.com")
    notifier(fast.model_copy(update={"allow_private_endpoints": False}))

    async def both_refused() -> list[asyncpg.Record]:
        rows = await db.fetch("SELECT error FROM webhook_attempts")
        return rows if len(rows) >= 2 else []

    rows = await wait_for(both_refused, what="two refused attempts")
    assert all("not public" in r["error"] or "non-public" in r["error"] for r in rows)
    assert receiver.requests == 0


async def test_a_corrupt_secret_fails_the_attempt_without_sending(
    db: asyncpg.Pool, fast: Settings, receiver_factory: StartReceiver, notifier: StartNotifier
) -> None:
    receiver = await receiver_factory()
    await db.execute(
        "INSERT INTO webhook_endpoints (url, events, secret) VALUES ($1, $2, 'whsec_!!')",
        receiver.url,
        ["email.bounced"],
    )
    await add_outbox(db, "email.bounced", to="jane@example.com")
    notifier(fast.model_copy(update={"notifier_retry_schedule": "0.1"}))
    await wait_for(all_in(db, "failed", 1), what="dead-lettered")
    errors = [r["error"] for r in await db.fetch("SELECT error FROM webhook_attempts")]
    assert len(errors) == 2
    assert all(e.startswith("cannot sign") for e in errors)
    assert receiver.requests == 0


# -- concurrency ---------------------------------------------------------------------------


async def test_a_slow_endpoint_does_not_delay_another(
    db: asyncpg.Pool, fast: Settings, receiver_factory: StartReceiver, notifier: StartNotifier
) -> None:
    slow, quick = await receiver_factory(), await receiver_factory()
    slow.gate.clear()
    await add_endpoint(db, slow.url, ["email.bounced"])
    await add_endpoint(db, quick.url, ["email.bounced"])
    for n in range(6):
        await add_outbox(db, "email.bounced", to=f"n{n}@example.com")
    # 4 slots, so at most 1 per endpoint
    notifier(fast.model_copy(update={"notifier_concurrency": 4}))

    async def quick_done() -> bool:
        return len(quick.hits) == 6

    await wait_for(quick_done, what="the quick endpoint got all six while the slow one hangs")
    assert slow.max_in_flight == 1
    assert slow.hits == []
    slow.gate.set()
    await wait_for(all_in(db, "succeeded", 12), what="the slow endpoint catches up")
    assert slow.max_in_flight == 1
