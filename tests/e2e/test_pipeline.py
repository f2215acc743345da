"""End to end: provider webhook -> ingest -> RabbitMQ -> processor -> Postgres -> notifier
-> a local receiver.

The services run as separate OS processes.
"""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from demo.processes import basic_auth
from tests.e2e.conftest import BASIC, Stack
from tests.helpers import wait_for
from tests.provider_fixtures import fixture_request

pytestmark = pytest.mark.e2e

HARD_BOUNCES = [
    ("ses", "awsdocs-notif-bounce-permanent-general-with-dsn", "jane@example.com"),
    ("mailgun", "mgdocs-failed-permanent-delayed-bounce-550", "christest123@test.com"),
    ("sendgrid", "sgdocs-bounce-type-bounce", None),
]


async def post_fixture(stack: Stack, provider: str, name: str) -> int:
    body, headers = fixture_request(provider, name)
    async with stack.http.post(
        f"{stack.base_url}/api/v1/webhooks/{provider}",
        data=body,
        headers={**headers, "Authorization": basic_auth(*BASIC)},
    ) as resp:
        return resp.status


async def test_hard_bounce_from_each_provider_ends_bounced_and_signed_webhook(
    stack: Stack, db: asyncpg.Pool
) -> None:
    for provider, name, _ in HARD_BOUNCES:
        assert await post_fixture(stack, provider, name) == 200

    async def three_bounced() -> bool:
        return len(stack.receiver.of_type("email.bounced")) >= 3

    await wait_for(three_bounced, timeout=30, what="three email.bounced webhooks")
    bounced = stack.receiver.of_type("email.bounced")
    by_source = {r.verify(stack.secret)["source"]: r.verify(stack.secret) for r in bounced}
    assert set(by_source) == {"ses", "mailgun", "sendgrid"}
    for provider, _, email in HARD_BOUNCES:
        payload = by_source[provider]
        assert payload["bounce_type"] == "hard"
        assert payload["subscriber_status"] == "bounced"
        if email:
            assert payload["to"] == email
        async with stack.http.get(
            f"{stack.base_url}/api/v1/subscribers/{payload['to']}", headers=stack.api_headers()
        ) as resp:
            assert resp.status == 200
            assert (await resp.json())["data"]["status"] == "bounced"
    # the same webhook-id never arrives twice
    ids = [r.headers["webhook-id"] for r in stack.receiver.received]
    assert len(ids) == len(set(ids))


async def test_processor_sigkill_with_unacked_messages_applies_everything_once(
    stack: Stack, db: asyncpg.Pool
) -> None:
    stack.services["processor"].stop()
    total = 1500
    sem = asyncio.Semaphore(50)

    async def post(i: int) -> int:
        body = (
            b'[{"email":"user%d@kill.test","event":"bounce","type":"bounce","status":"5.1.1",'
            b'"reason":"550 5.1.1 unknown","sg_event_id":"kill-%d","sg_message_id":"m%d",'
            b'"timestamp":1700000000},'
            b'{"email":"user%d@kill.test","event":"delivered","sg_event_id":"kill-d-%d",'
            b'"sg_message_id":"m%d","timestamp":1700000001}]'
        ) % (i, i, i, i, i, i)
        async with (
            sem,
            stack.http.post(
                f"{stack.base_url}/api/v1/webhooks/sendgrid",
                data=body,
                headers={"Content-Type": "application/json", "Authorization": basic_auth(*BASIC)},
            ) as resp,
        ):
            return resp.status

    assert set(await asyncio.gather(*(post(i) for i in range(total)))) == {200}
    processor = stack.services["processor"]
    processor.start()

    async def some_applied() -> bool:
        return bool(await db.fetchval("SELECT count(*) FROM events") > 0)

    await wait_for(some_applied, timeout=30, what="first events applied")
    processor.kill()  # mid-stream: it holds up to 2 batches of unacked deliveries
    applied_at_kill = await db.fetchval("SELECT count(*) FROM events")
    assert applied_at_kill < total, "processor finished before it could be killed"
    processor.start()

    async def all_applied() -> bool:
        return bool(
            await db.fetchval("SELECT count(*) FROM events") == total
            and await db.fetchval("SELECT count(*) FROM deliveries") == total
        )

    await wait_for(all_applied, timeout=60, what="every accepted event applied")
    assert await db.fetchval("SELECT count(*) FROM events") == total
    assert await db.fetchval("SELECT count(DISTINCT dedup_key) FROM events") == total
    # deliveries, stored slim and partitioned, are applied exactly once too
    assert await db.fetchval("SELECT count(DISTINCT dedup_hash) FROM deliveries") == total
    assert await db.fetchval("SELECT sum(soft_streak) FROM subscribers") == 0
    assert (
        await db.fetchval("SELECT count(*) FROM outbox WHERE event_type='email.bounced'") == total
    )
    assert await db.fetchval("SELECT sum(bounce_count) FROM subscribers") == total
