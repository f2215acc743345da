"""Event times from the future are clamped to received-at (issue 12): a complaint dated
2045 cannot outrank a later manual reactivation."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta

import asyncpg
import orjson

from services.ingest import state
from services.processor.app import serve as processor_serve
from shared.settings import Settings
from tests.helpers import wait_for
from tests.integration.api_kit import bearer, make_key, start

BASIC = "Basic " + base64.b64encode(b"provider:s3cret-s3cret-s3cret").decode()
EMAIL = "future@example.com"


def complaint_dated(when: str) -> bytes:
    return orjson.dumps(
        {
            "notificationType": "Complaint",
            "complaint": {
                "complainedRecipients": [{"emailAddress": EMAIL}],
                "timestamp": when,
                "feedbackId": "fb-2045",
            },
            "mail": {"messageId": "m-2045", "timestamp": when},
        }
    )


async def test_complaint_from_2045_is_clamped_and_reactivation_wins(
    settings: Settings, db: asyncpg.Pool
) -> None:
    client = await start(settings)
    stop = asyncio.Event()
    processor = asyncio.create_task(processor_serve(settings, stop))
    try:

        async def publisher_ready() -> bool:
            return client.app[state.PUBLISHER].ready

        await wait_for(publisher_ready, what="publisher connected")
        before = datetime.now(UTC)
        resp = await client.post(
            "/api/v1/webhooks/ses",
            data=complaint_dated("2045-01-01T00:00:00.000Z"),
            headers={"Authorization": BASIC, "x-amz-sns-rawdelivery": "true"},
        )
        assert resp.status == 200

        async def stored() -> asyncpg.Record | None:
            return await db.fetchrow(
                "SELECT occurred_at, reported_at FROM events WHERE email = $1", EMAIL
            )

        row = await wait_for(stored, what="the complaint applied")
        assert row is not None
        assert row["reported_at"] == datetime(2045, 1, 1, tzinfo=UTC)
        assert before - timedelta(seconds=1) <= row["occurred_at"] <= datetime.now(UTC)
        auth = bearer(await make_key(db, "subscribers"))
        got = await client.get(f"/api/v1/subscribers/{EMAIL}", headers=auth)
        assert (await got.json())["data"]["status"] == "unsubscribed"
        patched = await client.patch(
            f"/api/v1/subscribers/{EMAIL}", json={"status": "active"}, headers=auth
        )
        assert patched.status == 200
        got = await client.get(f"/api/v1/subscribers/{EMAIL}", headers=auth)
        assert (await got.json())["data"]["status"] == "active"
    finally:
        stop.set()
        await asyncio.wait_for(processor, 15)
        await client.close()
