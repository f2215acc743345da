"""Helpers of the outgoing-webhook route tests: create an endpoint, read an envelope,
insert a delivery in a given state."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient

Client = TestClient[web.Request, web.Application]
EP = "/api/v1/webhook-endpoints"


async def create(client: Client, auth: dict[str, str], **body: Any) -> dict[str, Any]:
    resp = await client.post(EP, json={"url": "http://127.0.0.1:9/hook", **body}, headers=auth)
    assert resp.status == 201, await resp.text()
    return dict((await resp.json())["data"])


async def data(resp: Any, status: int = 200) -> Any:
    assert resp.status == status, await resp.text()
    doc = await resp.json()
    assert doc["success"] is True
    return doc["data"]


async def add_delivery(
    db: asyncpg.Pool,
    endpoint_id: int,
    *,
    status: str = "failed",
    attempts: int = 0,
    created_at: datetime | None = None,
    locked: bool = False,
) -> int:
    msg_id = "msg_" + uuid.uuid4().hex
    outbox_id = await db.fetchval(
        "INSERT INTO outbox (message_id, event_type, payload, relayed_at)"
        " VALUES ($1, 'email.bounced', '{}'::jsonb, now()) RETURNING id",
        msg_id,
    )
    return int(
        await db.fetchval(
            "INSERT INTO webhook_deliveries (outbox_id, endpoint_id, message_id, event_type,"
            " status, attempts, created_at, next_attempt_at, locked_until, completed_at)"
            " VALUES ($1, $2, $3, 'email.bounced', $4, $5, COALESCE($6, now()),"
            " now() + interval '1 hour', CASE WHEN $7 THEN now() + interval '1 minute' END,"
            " CASE WHEN $4 <> 'pending' THEN now() END) RETURNING id",
            outbox_id,
            endpoint_id,
            msg_id,
            status,
            attempts,
            created_at,
            locked,
        )
    )


# --- change, delete, rotate -------------------------------------------------------
