"""Ingest started while the database is unreachable: it serves anyway. Provider webhooks
that need no database are accepted, the management API answers 503 `unavailable` with
Retry-After (never 500), and /readyz is red naming the database."""

from __future__ import annotations

import base64

from aiohttp.test_utils import TestClient, TestServer

from demo.processes import free_port
from services.ingest import state
from services.ingest.app import build_app
from shared.settings import Settings
from tests.helpers import wait_for


async def test_ingest_started_while_the_database_is_away(settings: Settings) -> None:
    away = settings.model_copy(
        update={
            # nothing listens there: every connection attempt is refused
            "database_url": f"postgresql://postgres@127.0.0.1:{free_port()}/bounceflow",
        }
    )
    client = TestClient(TestServer(build_app(away)))
    await client.start_server()
    try:

        async def publisher_ready() -> bool:
            return client.app[state.PUBLISHER].ready

        await wait_for(publisher_ready, what="publisher connected")
        resp = await client.get("/readyz")
        assert resp.status == 503
        assert (await resp.json())["checks"] == {"database": "unavailable", "broker": "ok"}

        resp = await client.get(
            "/api/v1/subscribers/a@example.com", headers={"Authorization": "Bearer bf_x"}
        )
        assert resp.status == 503
        assert resp.headers["Retry-After"].isdigit()
        body = await resp.json()
        assert body["success"] is False
        assert body["error"]["code"] == "unavailable"

        resp = await client.post(
            "/api/v1/webhooks/sendgrid",
            data=b'[{"email":"a@example.com","event":"bounce","sg_event_id":"away-1",'
            b'"timestamp":1700000000}]',
            headers={"Content-Type": "application/json", "Authorization": _basic(away)},
        )
        assert resp.status == 200, await resp.text()
    finally:
        await client.close()


def _basic(settings: Settings) -> str:
    pair = settings.basic_auth_pair
    assert pair is not None
    return "Basic " + base64.b64encode(f"{pair[0]}:{pair[1]}".encode()).decode()
