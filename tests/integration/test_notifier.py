"""The notifier against real Postgres and real local HTTP receivers: relay, signing,
and retries kept in the database (failures: test_notifier_failures.py; replicas and
shutdown: test_notifier_replicas.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

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
