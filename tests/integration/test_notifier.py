"""The notifier against real Postgres and real local HTTP receivers: relay, signing,
retries kept in the database, dead letters, 410, Retry-After, per-endpoint fairness,
several replicas, and clean shutdown."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from aiohttp import web
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.notifier.dispatcher import Dispatcher
from services.notifier.resources import resources
from services.notifier.signing import generate_secret
from shared.settings import Settings
from tests.helpers import wait_for
from tests.integration.notifier_kit import (
    StartNotifier,
    StartReceiver,
    add_endpoint,
    add_outbox,
    all_in,
    always,
    fail_first,
    one,
    statuses,
)


async def test_delivered_once_signed_and_only_to_subscribed_enabled_endpoints(
    db: asyncpg.Pool, fast: Settings, receiver_factory: StartReceiver, notifier: StartNotifier
) -> None:
    bounces, changes = await receiver_factory(), await receiver_factory()
    disabled = await receiver_factory()
    b_id, b_secret = await add_endpoint(db, bounces.url, ["email.bounced"])
    c_id, c_secret = await add_endpoint(db, changes.url, ["subscriber.status_changed"])
    await add_endpoint(
        db, disabled.url, ["email.bounced", "subscriber.status_changed"], enabled=False
    )
    bounced_id = await add_outbox(db, "email.bounced", to="jane@example.com", bounce_type="hard")
    changed_id = await add_outbox(db, "subscriber.status_changed", email="jane@example.com")

    running = notifier(fast)
    await wait_for(all_in(db, "succeeded", 2), what="two deliveries succeeded")
    await running.shutdown()  # nothing can arrive after this: "once" is checked below

    assert len(bounces.hits) == 1
    assert len(changes.hits) == 1
    assert disabled.hits == []
    hit = bounces.hits[0]
    assert hit.headers["webhook-id"] == bounced_id
    assert Webhook(b_secret).verify(hit.body, hit.headers)["to"] == "jane@example.com"
    with pytest.raises(WebhookVerificationError):
        Webhook(c_secret).verify(hit.body, hit.headers)
    assert hit.headers["Content-Type"] == "application/json"
    assert hit.headers["User-Agent"] == "bounceflow-notifier"
    assert changes.hits[0].headers["webhook-id"] == changed_id
    assert Webhook(c_secret).verify(changes.hits[0].body, changes.hits[0].headers)["event"] == (
        "subscriber.status_changed"
    )
    rows = await db.fetch(
        "SELECT endpoint_id, attempts, completed_at, last_status_code FROM webhook_deliveries"
        " ORDER BY endpoint_id"
    )
    assert [r["endpoint_id"] for r in rows] == [b_id, c_id]
    assert all(
        r["attempts"] == 1 and r["completed_at"] and r["last_status_code"] == 204 for r in rows
    )
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE relayed_at IS NULL") == 0
    assert await db.fetchval("SELECT count(*) FROM webhook_attempts") == 2


async def test_previous_secret_signs_too_until_it_expires(
    db: asyncpg.Pool, fast: Settings, receiver_factory: StartReceiver, notifier: StartNotifier
) -> None:
    fresh, stale = await receiver_factory(), await receiver_factory()
    old = generate_secret()
    _, fresh_secret = await add_endpoint(
        db,
        fresh.url,
        ["email.bounced"],
        previous_secret=old,
        previous_expires=datetime.now(UTC) + timedelta(hours=1),
    )
    await add_endpoint(
        db,
        stale.url,
        ["email.bounced"],
        previous_secret=old,
        previous_expires=datetime.now(UTC) - timedelta(seconds=1),
    )
    await add_outbox(db, "email.bounced", to="a@example.com")
    notifier(fast)
    await wait_for(all_in(db, "succeeded", 2), what="both delivered")

    hit = fresh.hits[0]
    assert len(hit.headers["webhook-signature"].split(" ")) == 2
    Webhook(fresh_secret).verify(hit.body, hit.headers)
    Webhook(old).verify(hit.body, hit.headers)
    assert len(stale.hits[0].headers["webhook-signature"].split(" ")) == 1
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(stale.hits[0].body, stale.hits[0].headers)


async def test_notify_wakes_relay_and_delivery_without_polling(
    db: asyncpg.Pool, fast: Settings, receiver_factory: StartReceiver, notifier: StartNotifier
) -> None:
    receiver = await receiver_factory()
    await add_endpoint(db, receiver.url, ["email.bounced"])
    notifier(fast.model_copy(update={"notifier_poll_interval": 60.0}))
    for n in range(3):
        await add_outbox(db, "email.bounced", to=f"n{n}@example.com")

        async def arrived(expected: int = n + 1) -> bool:
            return len(receiver.hits) == expected

        # far below the 60 s poll interval: only LISTEN/NOTIFY can explain it
        await wait_for(arrived, timeout=5, what=f"webhook {n + 1} via NOTIFY")


# -- retries -------------------------------------------------------------------------------


async def test_retried_until_recovery_with_the_same_webhook_id(
    db: asyncpg.Pool, fast: Settings, receiver_factory: StartReceiver, notifier: StartNotifier
) -> None:
    receiver = await receiver_factory(fail_first(3))
    _, secret = await add_endpoint(db, receiver.url, ["email.bounced"])
    msg_id = await add_outbox(db, "email.bounced", to="jane@example.com")
    notifier(fast)
    await wait_for(all_in(db, "succeeded", 1), what="delivered after three failures")

    assert {h.headers["webhook-id"] for h in receiver.hits} == {msg_id}
    assert len(receiver.hits) == 4
    Webhook(secret).verify(receiver.hits[-1].body, receiver.hits[-1].headers)
    attempts = await db.fetch(
        "SELECT status_code, response_body, latency_ms FROM webhook_attempts ORDER BY id"
    )
    assert [a["status_code"] for a in attempts] == [500, 500, 500, 204]
    assert attempts[0]["response_body"] == "not yet"
    assert all(a["latency_ms"] >= 0 for a in attempts)
    row = await one(db, "SELECT attempts, last_error, locked_until FROM webhook_deliveries")
    assert (row["attempts"], row["last_error"], row["locked_until"]) == (4, None, None)


async def test_a_pending_retry_survives_a_restart(
    db: asyncpg.Pool, fast: Settings, receiver_factory: StartReceiver, notifier: StartNotifier
) -> None:
    receiver = await receiver_factory(fail_first(1))
    await add_endpoint(db, receiver.url, ["email.bounced"])
    msg_id = await add_outbox(db, "email.bounced", to="jane@example.com")
    # 2 s x jitter >= 1.6 s: long enough that the first process is gone before it is due
    settings = fast.model_copy(update={"notifier_retry_schedule": "2"})
    first = notifier(settings)

    async def failed_once() -> bool:
        return bool(await db.fetchval("SELECT attempts FROM webhook_deliveries") == 1)

    await wait_for(failed_once, what="first attempt failed")
    await first.shutdown()
    row = await one(db, "SELECT status, locked_until, next_attempt_at FROM webhook_deliveries")
    assert row["status"] == "pending"
    assert row["locked_until"] is None
    assert row["next_attempt_at"] > datetime.now(UTC)  # the retry lives in the database

    notifier(settings)
    await wait_for(all_in(db, "succeeded", 1), what="retry after restart", timeout=10)
    assert [h.headers["webhook-id"] for h in receiver.hits] == [msg_id, msg_id]


async def test_exhausted_retries_dead_letter(
    db: asyncpg.Pool, fast: Settings, receiver_factory: StartReceiver, notifier: StartNotifier
) -> None:
    receiver = await receiver_factory(always(503))
    endpoint_id, _ = await add_endpoint(db, receiver.url, ["email.bounced"])
    await add_outbox(db, "email.bounced", to="jane@example.com")
    notifier(fast.model_copy(update={"notifier_retry_schedule": "0.1,0.1"}))
    await wait_for(all_in(db, "failed", 1), what="dead-lettered")

    row = await one(
        db, "SELECT attempts, last_status_code, last_error, completed_at FROM webhook_deliveries"
    )
    assert (row["attempts"], row["last_status_code"], row["last_error"]) == (3, 503, "HTTP 503")
    assert row["completed_at"] is not None
    assert await db.fetchval("SELECT count(*) FROM webhook_attempts") == 3
    assert receiver.requests == 3
    # still enabled, but marked as failing since the first failure
    endpoint = await one(
        db, "SELECT enabled, failing_since FROM webhook_endpoints WHERE id = $1", endpoint_id
    )
    assert endpoint["enabled"]
    assert endpoint["failing_since"] is not None


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
