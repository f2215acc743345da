"""`bounceflow run`: the three services in one process, stopped by SIGTERM."""

from __future__ import annotations

import uuid
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from demo.processes import Service, basic_auth, free_port, service_env, wait_ready
from shared.broker import delete_topology
from shared.settings import Settings
from tests.helpers import wait_for
from tests.provider_fixtures import fixture_request

pytestmark = pytest.mark.e2e

PASSWORD = "run-all-password-16+"  # secrets are at least 16 characters (CONTRACT §2)


async def test_run_applies_a_bounce_and_stops_cleanly(
    base_settings: Settings, db: asyncpg.Pool, tmp_path: Path
) -> None:
    prefix = f"{base_settings.amqp_prefix}-run-{uuid.uuid4().hex[:6]}"
    port = free_port()
    env = service_env(
        {
            "BOUNCEFLOW_DATABASE_URL": base_settings.database_url,
            "BOUNCEFLOW_AMQP_URL": base_settings.amqp_url,
            "BOUNCEFLOW_AMQP_PREFIX": prefix,
            "BOUNCEFLOW_HTTP_PORT": str(port),
            "BOUNCEFLOW_WEBHOOK_BASIC_AUTH": f"p:{PASSWORD}",
        }
    )
    service = Service("run", env, tmp_path / "run.log")
    service.start()
    try:
        await wait_ready(f"http://127.0.0.1:{port}")
        body, headers = fixture_request("sendgrid", "sgdocs-bounce-type-bounce")
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"http://127.0.0.1:{port}/api/v1/webhooks/sendgrid",
                data=body,
                headers={**headers, "Authorization": basic_auth("p", PASSWORD)},
            ) as resp,
        ):
            assert resp.status == 200

        async def bounced() -> bool:
            return bool(await db.fetchval("SELECT status FROM subscribers") == "bounced")

        await wait_for(bounced, timeout=20, what="the bounce applied")
    finally:
        code = service.stop(timeout=12)
        await delete_topology(base_settings.amqp_url, prefix)
    assert code == 0, (tmp_path / "run.log").read_text()[-3000:]
