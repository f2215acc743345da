"""The three services as real OS processes against the run's database and broker."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from demo.processes import SERVICES, Service, free_port, run_cli, service_env, wait_ready
from demo.receiver import Receiver
from shared.broker import delete_topology
from shared.settings import Settings

BASIC = ("provider", "s3cret-s3cret-s3cret")


@dataclass
class Stack:
    env: dict[str, str]
    base_url: str
    services: dict[str, Service]
    api_key: str
    receiver: Receiver
    secret: str
    http: aiohttp.ClientSession

    def api_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


@pytest.fixture
def stack_env() -> dict[str, str]:
    """Extra settings for the stack's services; a test module may override this fixture."""
    return {}


@pytest.fixture
async def stack(
    base_settings: Settings, db: asyncpg.Pool, tmp_path: Path, stack_env: dict[str, str]
) -> AsyncIterator[Stack]:
    prefix = f"{base_settings.amqp_prefix}-e2e-{uuid.uuid4().hex[:6]}"
    port = free_port()
    env = service_env(
        {
            "BOUNCEFLOW_DATABASE_URL": base_settings.database_url,
            "BOUNCEFLOW_AMQP_URL": base_settings.amqp_url,
            "BOUNCEFLOW_AMQP_PREFIX": prefix,
            "BOUNCEFLOW_HTTP_PORT": str(port),
            "BOUNCEFLOW_WEBHOOK_BASIC_AUTH": ":".join(BASIC),
            "BOUNCEFLOW_ALLOW_PRIVATE_ENDPOINTS": "true",
            "BOUNCEFLOW_NOTIFIER_POLL_INTERVAL": "0.2",
            # fixtures carry provider times years old: the automatic prune would fold them
            # away while a test counts them (tests/integration/test_retention.py tests it)
            "BOUNCEFLOW_PRUNE_INTERVAL": "0",
            "BOUNCEFLOW_NOTIFIER_RETRY_SCHEDULE": "0.5,1,2",
            "BOUNCEFLOW_LOG_FORMAT": "json",
            **stack_env,
        }
    )
    services = {name: Service(name, env, tmp_path / f"{name}.log") for name in SERVICES}
    for service in services.values():
        service.start()
    receiver = Receiver()
    await receiver.start()
    http = aiohttp.ClientSession()
    base_url = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(base_url)
        key = (
            run_cli(env, "apikey", "create", "--name", "e2e", "--scopes", "admin")
            .strip()
            .splitlines()[-1]
        )
        async with http.post(
            base_url + "/api/v1/webhook-endpoints",
            json={
                "url": receiver.url,
                "events": ["email.bounced", "email.complained", "subscriber.status_changed"],
            },
            headers={"Authorization": f"Bearer {key}"},
        ) as resp:
            assert resp.status == 201, await resp.text()
            secret = (await resp.json())["data"]["secret"]
        yield Stack(env, base_url, services, key, receiver, secret, http)
    finally:
        await http.close()
        codes = {name: s.stop() for name, s in services.items()}
        await receiver.stop()
        await delete_topology(base_settings.amqp_url, prefix)
    for name, code in codes.items():
        assert code == 0, f"{name} exited {code}: {(tmp_path / f'{name}.log').read_text()[-3000:]}"
