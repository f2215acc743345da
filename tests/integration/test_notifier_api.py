"""The notifier driven through the management API, against real local receivers and the
real database: recovery after an outage with every attempt in the attempt log, 410,
dead letters and their replay, and signatures across a secret rotation (issue 4,
"Done when" 1, 4 and 5)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from demo.processes import free_port
from services.ingest.app import build_app
from services.notifier.signing import generate_secret
from shared.settings import Settings
from tests.helpers import wait_for
from tests.integration.api_kit import bearer, make_key
from tests.integration.notifier_kit import (
    Receiver,
    StartNotifier,
    StartReceiver,
    add_outbox,
    all_in,
    always,
)

Client = TestClient[web.Request, web.Application]
EVENTS = ["email.bounced", "email.complained", "subscriber.status_changed"]


class Api:
    """The management API of a test app, with a webhooks key."""

    def __init__(self, client: Client, auth: dict[str, str]) -> None:
        self.client = client
        self.auth = auth

    async def call(self, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        resp = await self.client.request(method, "/api/v1" + path, headers=self.auth, **kw)
        assert resp.status == status, await resp.text()
        return (await resp.json())["data"]

    async def register(self, url: str, events: list[str] | None = None) -> tuple[int, str]:
        created = await self.call(
            "POST", "/webhook-endpoints", 201, json={"url": url, "events": events or EVENTS}
        )
        return int(created["id"]), str(created["secret"])

    async def deliveries(self, endpoint_id: int) -> list[dict[str, Any]]:
        page = await self.call("GET", f"/webhook-endpoints/{endpoint_id}/deliveries")
        return list(page["deliveries"])


@pytest.fixture
async def api(base_settings: Settings, db: asyncpg.Pool) -> AsyncIterator[Api]:
    client: Client = TestClient(TestServer(build_app(base_settings)))
    await client.start_server()
    yield Api(client, bearer(await make_key(db, "webhooks")))
    await client.close()


# -- 1: an outage, then recovery -----------------------------------------------------------


async def test_receiver_down_for_three_attempts_gets_it_exactly_once_after_recovery(
    db: asyncpg.Pool, fast: Settings, api: Api, notifier: StartNotifier
) -> None:
    port = free_port()
    endpoint_id, secret = await api.register(f"http://127.0.0.1:{port}/hook")
    msg_id = await add_outbox(db, "email.bounced", to="jane@example.com")
    # a shortened Svix-like schedule; the third wait is long enough to bring the receiver up
    running = notifier(fast.model_copy(update={"notifier_retry_schedule": "0.2,0.2,1.5,0.2"}))

    async def three_refused() -> bool:
        return bool(await db.fetchval("SELECT attempts FROM webhook_deliveries") == 3)

    await wait_for(three_refused, what="three attempts against a closed port")
    receiver = Receiver()
    await receiver.start(port)
    try:
        await wait_for(all_in(db, "succeeded", 1), what="delivered after recovery")
        await running.shutdown()  # nothing can arrive after this
        assert len(receiver.hits) == 1
        assert receiver.requests == 1
        hit = receiver.hits[0]
        assert hit.headers["webhook-id"] == msg_id
        assert Webhook(secret).verify(hit.body, hit.headers)["to"] == "jane@example.com"
    finally:
        await receiver.stop()

    (delivery,) = await api.deliveries(endpoint_id)
    assert (delivery["webhook_id"], delivery["status"], delivery["attempt_count"]) == (
        msg_id,
        "succeeded",
        4,
    )
    attempts = delivery["attempts"]
    assert [a["status_code"] for a in attempts] == [None, None, None, 204]
    assert all("Cannot connect" in a["error"] for a in attempts[:3])
    assert attempts[3]["error"] is None
    assert all(a["latency_ms"] >= 0 for a in attempts)
    times = [a["attempted_at"] for a in attempts]
    assert times == sorted(times)


# -- 4: 410, dead letters, replay ----------------------------------------------------------


async def test_410_disables_the_endpoint_and_reenabling_resumes_delivery(
    db: asyncpg.Pool,
    fast: Settings,
    api: Api,
    receiver_factory: StartReceiver,
    notifier: StartNotifier,
) -> None:
    receiver = await receiver_factory(always(410))
    endpoint_id, _ = await api.register(receiver.url)
    await add_outbox(db, "email.bounced", to="jane@example.com")
    notifier(fast)
    await wait_for(all_in(db, "failed", 1), what="the 410")

    shown = await api.call("GET", f"/webhook-endpoints/{endpoint_id}")
    assert shown["enabled"] is False
    assert shown["disabled_reason"] == "endpoint answered 410 Gone"
    assert receiver.requests == 1

    receiver.respond = always(204)
    enabled = await api.call("PATCH", f"/webhook-endpoints/{endpoint_id}", json={"enabled": True})
    assert (enabled["enabled"], enabled["disabled_reason"]) == (True, None)
    later = await add_outbox(db, "email.bounced", to="john@example.com")

    async def resumed() -> bool:
        return [h.headers["webhook-id"] for h in receiver.hits[1:]] == [later]

    # the 410'd message itself is not sent again unless replayed
    await wait_for(resumed, what="delivery to the re-enabled endpoint")


async def test_exhausted_retries_dead_letter_and_api_retry_delivers_it(
    db: asyncpg.Pool,
    fast: Settings,
    api: Api,
    receiver_factory: StartReceiver,
    notifier: StartNotifier,
) -> None:
    receiver = await receiver_factory(always(503))
    endpoint_id, secret = await api.register(receiver.url)
    msg_id = await add_outbox(db, "email.bounced", to="jane@example.com")
    notifier(fast.model_copy(update={"notifier_retry_schedule": "0.1,0.1"}))
    await wait_for(all_in(db, "failed", 1), what="dead-lettered after 3 attempts")
    (dead,) = await api.deliveries(endpoint_id)
    assert (dead["status"], dead["attempt_count"], dead["last_error"]) == ("failed", 3, "HTTP 503")
    assert [a["response_body"] for a in dead["attempts"]] == ["status 503"] * 3

    receiver.respond = always(204)
    queued = await api.call("POST", f"/webhook-deliveries/{dead['id']}/retry", 202)
    assert (queued["status"], queued["webhook_id"]) == ("pending", msg_id)
    await wait_for(all_in(db, "succeeded", 1), what="the retried delivery")

    (done,) = await api.deliveries(endpoint_id)
    assert (done["status"], done["attempt_count"]) == ("succeeded", 4)
    assert [h.headers["webhook-id"] for h in receiver.hits] == [msg_id] * 4
    Webhook(secret).verify(receiver.hits[-1].body, receiver.hits[-1].headers)


async def test_bulk_replay_delivers_every_dead_letter_since_a_time(
    db: asyncpg.Pool,
    fast: Settings,
    api: Api,
    receiver_factory: StartReceiver,
    notifier: StartNotifier,
) -> None:
    receiver = await receiver_factory(always(500))
    endpoint_id, _ = await api.register(receiver.url)
    since = await db.fetchval(
        "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    )
    ids = [await add_outbox(db, "email.bounced", to=f"n{n}@example.com") for n in range(3)]
    notifier(fast.model_copy(update={"notifier_retry_schedule": "0.1"}))
    await wait_for(all_in(db, "failed", 3), what="three dead letters")

    receiver.respond = always(200)
    before = len(receiver.hits)
    replayed = await api.call(
        "POST", f"/webhook-endpoints/{endpoint_id}/replay", 202, json={"since": since}
    )
    assert replayed["replayed"] == 3
    await wait_for(all_in(db, "succeeded", 3), what="all three replayed")
    assert sorted(h.headers["webhook-id"] for h in receiver.hits[before:]) == sorted(ids)


# -- 5: signatures across a rotation -------------------------------------------------------


async def test_signatures_verify_with_old_and_new_secret_during_rotation(
    db: asyncpg.Pool,
    fast: Settings,
    api: Api,
    receiver_factory: StartReceiver,
    notifier: StartNotifier,
) -> None:
    receiver = await receiver_factory()
    endpoint_id, old = await api.register(receiver.url)
    notifier(fast)

    async def hits(n: int) -> bool:
        return len(receiver.hits) == n

    await add_outbox(db, "email.bounced", to="before@example.com")
    await wait_for(lambda: hits(1), what="before the rotation")
    rotated = await api.call("POST", f"/webhook-endpoints/{endpoint_id}/rotate-secret")
    new = rotated["secret"]
    await add_outbox(db, "email.complained", to="during@example.com")
    await wait_for(lambda: hits(2), what="during the rotation")
    await db.execute("UPDATE webhook_endpoints SET previous_secret_expires_at = now()")
    await add_outbox(db, "subscriber.status_changed", email="after@example.com")
    await wait_for(lambda: hits(3), what="after the old secret expired")

    before, during, after = receiver.hits
    assert Webhook(old).verify(before.body, before.headers)["to"] == "before@example.com"
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(before.body, before.headers)
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):  # a receiver holding either secret accepts it
        assert Webhook(secret).verify(during.body, during.headers)["to"] == "during@example.com"
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(during.body, during.headers)
    assert Webhook(new).verify(after.body, after.headers)["email"] == "after@example.com"
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(after.body, after.headers)


async def test_deleting_an_endpoint_with_a_request_in_flight(
    db: asyncpg.Pool,
    fast: Settings,
    api: Api,
    receiver_factory: StartReceiver,
    notifier: StartNotifier,
) -> None:
    slow, other = await receiver_factory(), await receiver_factory()
    slow.gate.clear()
    endpoint_id, _ = await api.register(slow.url)
    await api.register(other.url)
    await add_outbox(db, "email.bounced", to="jane@example.com")
    running = notifier(fast)

    async def in_flight() -> bool:
        return slow.in_flight == 1

    await wait_for(in_flight, what="a request in flight")
    await api.call("DELETE", f"/webhook-endpoints/{endpoint_id}")
    slow.gate.set()
    await wait_for(all_in(db, "succeeded", 1), what="the other endpoint's delivery")
    later = await add_outbox(db, "email.bounced", to="john@example.com")

    async def still_delivering() -> bool:
        return later in {h.headers["webhook-id"] for h in other.hits}

    await wait_for(still_delivering, what="the notifier carrying on")
    assert (
        await db.fetchval(
            "SELECT count(*) FROM webhook_attempts a JOIN webhook_deliveries d"
            " ON d.id = a.delivery_id WHERE d.endpoint_id = $1",
            endpoint_id,
        )
        == 0
    )
    assert not running.task.done()
