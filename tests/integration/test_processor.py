"""The processor on the real broker and database: dedup across provider retries and
broker redeliveries, and poison messages dead-lettered with a reason."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import aio_pika
import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from demo.receiver import Receiver
from services.ingest import state
from services.ingest.app import build_app
from services.notifier.app import serve as notifier_serve
from services.notifier.signing import generate_secret
from services.processor.app import serve as processor_serve
from shared.ledger import apply_events
from shared.raw import RawEvent
from shared.settings import Settings
from tests.helpers import drain, queue_depth, wait_for
from tests.provider_fixtures import fixture_request

BASIC = "Basic " + base64.b64encode(b"provider:s3cret-s3cret-s3cret").decode()

Serve = Callable[[Settings, asyncio.Event], Coroutine[Any, Any, None]]
Runner = Callable[[Serve], Awaitable[None]]


@pytest.fixture
async def run_service(settings: Settings) -> AsyncIterator[Runner]:
    """Start in-process services; all are stopped (SIGTERM-like) at teardown."""
    running: list[tuple[asyncio.Event, asyncio.Task[None]]] = []

    async def start(serve: Serve) -> None:
        stop = asyncio.Event()
        running.append((stop, asyncio.create_task(serve(settings, stop))))

    yield start
    for stop, _ in running:
        stop.set()
    for _, task in running:
        await asyncio.wait_for(task, 15)


@pytest.fixture
async def ingest(settings: Settings, db: asyncpg.Pool) -> AsyncIterator[TestClient]:
    client = TestClient(TestServer(build_app(settings)))
    await client.start_server()

    async def ready() -> bool:
        return client.app[state.PUBLISHER].ready

    await wait_for(ready, what="publisher connected")
    yield client
    await client.close()


async def force_redelivery(settings: Settings) -> None:
    """Take one message without acking it and drop the channel: the broker redelivers it."""
    conn = await aio_pika.connect(settings.amqp_url)
    async with conn:
        ch = await conn.channel()
        q = await ch.declare_queue(f"{settings.amqp_prefix}.raw", passive=True)
        msg = await q.get(no_ack=False)
        assert msg is not None
        await ch.close()  # unacked -> back in the queue, redelivered=True


async def test_same_event_five_times_plus_redelivery_has_one_effect(
    ingest: TestClient, settings: Settings, db: asyncpg.Pool, run_service: Runner
) -> None:
    receiver = Receiver()
    await receiver.start()
    secret = generate_secret()
    await db.execute(
        "INSERT INTO webhook_endpoints (url, events, secret) VALUES ($1, $2, $3)",
        receiver.url,
        ["email.bounced", "subscriber.status_changed"],
        secret,
    )
    body, headers = fixture_request("ses", "awsdocs-notif-bounce-permanent-general-with-dsn")
    headers["Authorization"] = BASIC
    for _ in range(5):
        assert (await ingest.post("/api/v1/webhooks/ses", data=body, headers=headers)).status == 200
    await force_redelivery(settings)
    assert await queue_depth(settings.amqp_url, f"{settings.amqp_prefix}.raw") == 5
    try:
        await run_service(processor_serve)
        await run_service(notifier_serve)

        async def two_webhooks() -> bool:
            return len(receiver.received) >= 2

        await wait_for(two_webhooks, timeout=20, what="bounce + status change webhooks")

        async def drained() -> bool:
            return await queue_depth(settings.amqp_url, f"{settings.amqp_prefix}.raw") == 0

        await wait_for(drained, what="raw queue drained")

        async def delivered() -> bool:
            return bool(
                await db.fetchval(
                    "SELECT count(*) = 0 FROM webhook_deliveries WHERE status = 'pending'"
                )
            )

        await wait_for(delivered, what="no pending delivery")
    finally:
        await receiver.stop()
    assert await db.fetchval("SELECT count(*) FROM events") == 1
    assert (
        await db.fetchval(
            "SELECT count(*) FROM outbox WHERE event_type = 'subscriber.status_changed'"
        )
        == 1
    )
    assert (
        await db.fetchval("SELECT bounce_count FROM subscribers WHERE email = 'jane@example.com'")
        == 1
    )
    assert [r.verify(secret)["event"] for r in receiver.received].count("email.bounced") == 1
    assert [r.json["event"] for r in receiver.received].count("subscriber.status_changed") == 1


async def test_poison_messages_are_dead_lettered_and_do_not_block(
    ingest: TestClient, settings: Settings, db: asyncpg.Pool, run_service: Runner
) -> None:
    conn = await aio_pika.connect(settings.amqp_url)
    async with conn:
        ch = await conn.channel(publisher_confirms=True)
        exchange = await ch.get_exchange(f"{settings.amqp_prefix}.raw")
        garbage = RawEvent("evt_bad", "sendgrid", b"{not json", datetime.now(UTC), {})
        await exchange.publish(
            aio_pika.Message(garbage.body, message_id="evt_bad", headers=garbage.amqp_headers()),
            "raw",
        )
        await exchange.publish(
            aio_pika.Message(b"no headers at all", message_id="evt_nohdr"), "raw"
        )
    body, headers = fixture_request("ses", "awsdocs-notif-bounce-permanent-general-with-dsn")
    headers["Authorization"] = BASIC
    assert (await ingest.post("/api/v1/webhooks/ses", data=body, headers=headers)).status == 200
    await run_service(processor_serve)

    async def applied() -> bool:
        return bool(await db.fetchval("SELECT count(*) FROM events") == 1)

    await wait_for(applied, what="the good event applied after the poison")

    async def dead() -> int:
        return await queue_depth(settings.amqp_url, f"{settings.amqp_prefix}.raw.dead")

    await wait_for(lambda: _ge(dead, 2), what="two dead letters")
    letters = await drain(settings.amqp_url, f"{settings.amqp_prefix}.raw.dead")
    reasons = {m.message_id: str(m.headers.get("x-bounceflow-error")) for m in letters}
    assert set(reasons) == {"evt_bad", "evt_nohdr"}
    assert "unparseable" in reasons["evt_bad"]
    assert "not a bounceflow raw event" in reasons["evt_nohdr"]


async def _ge(probe: Callable[[], Awaitable[int]], n: int) -> bool:
    with contextlib.suppress(Exception):
        return await probe() >= n
    return False


async def test_database_restart_is_waited_out_not_dead_lettered(
    ingest: TestClient,
    settings: Settings,
    db: asyncpg.Pool,
    run_service: Runner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from services.processor import handlers

    real = apply_events
    failures = [
        asyncpg.CannotConnectNowError("the database system is starting up"),
        ConnectionResetError(),
    ]

    async def flaky(*args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop(0)
        return await real(*args, **kwargs)

    monkeypatch.setattr(handlers, "apply_events", flaky)
    body, headers = fixture_request("ses", "awsdocs-notif-bounce-permanent-general-with-dsn")
    headers["Authorization"] = BASIC
    assert (await ingest.post("/api/v1/webhooks/ses", data=body, headers=headers)).status == 200
    await run_service(processor_serve)

    async def applied() -> bool:
        return bool(await db.fetchval("SELECT count(*) FROM events") == 1)

    await wait_for(applied, what="the event applied once the database answers")
    assert failures == []
    assert await queue_depth(settings.amqp_url, f"{settings.amqp_prefix}.raw.dead") == 0
