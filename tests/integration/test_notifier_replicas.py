"""Several notifier replicas and clean shutdown, against real Postgres and local receivers."""

from __future__ import annotations

import asyncio

import asyncpg

from services.notifier.dispatcher import Dispatcher
from services.notifier.resources import resources
from shared.settings import Settings
from tests.helpers import wait_for
from tests.integration.notifier_kit import (
    StartNotifier,
    StartReceiver,
    add_endpoint,
    add_outbox,
    all_in,
    one,
    statuses,
)


async def test_two_replicas_deliver_each_message_once(
    db: asyncpg.Pool, fast: Settings, receiver_factory: StartReceiver, notifier: StartNotifier
) -> None:
    receivers = [await receiver_factory(), await receiver_factory()]
    for r in receivers:
        await add_endpoint(db, r.url, ["email.bounced"])
    ids = [await add_outbox(db, "email.bounced", to=f"n{n}@example.com") for n in range(40)]
    first, second = notifier(fast), notifier(fast)
    await wait_for(all_in(db, "succeeded", 80), what="80 deliveries", timeout=20)
    await first.shutdown()
    await second.shutdown()
    for r in receivers:
        assert sorted(h.headers["webhook-id"] for h in r.hits) == sorted(ids)


# -- shutdown ------------------------------------------------------------------------------


async def test_shutdown_lets_an_in_flight_request_finish(
    db: asyncpg.Pool, fast: Settings, receiver_factory: StartReceiver, notifier: StartNotifier
) -> None:
    slow = await receiver_factory()
    slow.gate.clear()
    await add_endpoint(db, slow.url, ["email.bounced"])
    await add_outbox(db, "email.bounced", to="jane@example.com")
    running = notifier(fast)

    async def in_flight() -> bool:
        return slow.in_flight == 1

    await wait_for(in_flight, what="request in flight")
    running.stop.set()
    asyncio.get_running_loop().call_later(0.3, slow.gate.set)
    assert await running.shutdown() < 8
    assert await statuses(db) == ["succeeded"]


async def test_shutdown_releases_the_lease_of_an_unfinished_request(
    db: asyncpg.Pool, fast: Settings, receiver_factory: StartReceiver
) -> None:
    hanging = await receiver_factory()
    hanging.gate.clear()
    await add_endpoint(db, hanging.url, ["email.bounced"])
    await add_outbox(db, "email.bounced", to="jane@example.com")
    await db.execute(
        "INSERT INTO webhook_deliveries (outbox_id, endpoint_id, message_id, event_type)"
        " SELECT o.id, e.id, o.message_id, o.event_type FROM outbox o, webhook_endpoints e"
    )
    async with resources(fast) as res:
        dispatcher = Dispatcher(res, drain_timeout=0.2)  # serve() allows 8 s
        task = asyncio.create_task(dispatcher.run())

        async def in_flight() -> bool:
            return hanging.in_flight == 1

        await wait_for(in_flight, what="request in flight")
        assert await db.fetchval("SELECT locked_until FROM webhook_deliveries") is not None
        dispatcher.stop()
        await asyncio.wait_for(task, 5)

    row = await one(db, "SELECT status, attempts, locked_until FROM webhook_deliveries")
    assert (row["status"], row["attempts"], row["locked_until"]) == ("pending", 0, None)
    assert await db.fetchval("SELECT count(*) FROM webhook_attempts") == 0
