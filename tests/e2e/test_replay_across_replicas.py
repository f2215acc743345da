"""The Mailgun token rule across two ingest replicas (issue 12): state in Postgres."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from pathlib import Path

import aiohttp
import asyncpg
import orjson

from demo.processes import Service, free_port, service_env, wait_ready
from shared.broker import delete_topology
from shared.settings import Settings
from tests.helpers import queue_depth

SIGNING_KEY = "e2e-mailgun-signing-key-0123456789"


def signed_body(token: str, recipient: str) -> bytes:
    ts = str(int(time.time()))
    sig = hmac.new(SIGNING_KEY.encode(), f"{ts}{token}".encode(), hashlib.sha256).hexdigest()
    return orjson.dumps(
        {
            "signature": {"timestamp": ts, "token": token, "signature": sig},
            "event-data": {
                "event": "failed",
                "severity": "permanent",
                "id": uuid.uuid4().hex,
                "recipient": recipient,
                "timestamp": float(ts),
            },
        }
    )


async def test_token_reuse_is_caught_by_the_other_replica(
    base_settings: Settings, db: asyncpg.Pool, tmp_path: Path
) -> None:
    prefix = f"{base_settings.amqp_prefix}-replicas-{uuid.uuid4().hex[:6]}"
    ports = [free_port(), free_port()]
    replicas = [
        Service(
            "ingest",
            service_env(
                {
                    "BOUNCEFLOW_DATABASE_URL": base_settings.database_url,
                    "BOUNCEFLOW_AMQP_URL": base_settings.amqp_url,
                    "BOUNCEFLOW_AMQP_PREFIX": prefix,
                    "BOUNCEFLOW_HTTP_PORT": str(port),
                    "BOUNCEFLOW_MAILGUN_SIGNING_KEY": SIGNING_KEY,
                    "BOUNCEFLOW_LOG_FORMAT": "json",
                }
            ),
            tmp_path / f"ingest-{port}.log",
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}/api/v1/webhooks/mailgun" for port in ports]
    headers = {"Content-Type": "application/json"}
    try:
        for replica in replicas:
            replica.start()
        for port in ports:
            await wait_ready(f"http://127.0.0.1:{port}")
        token = uuid.uuid4().hex * 2
        genuine = signed_body(token, "real@example.com")
        forged = genuine.replace(b"real@example.com", b"victim@example.com")
        async with aiohttp.ClientSession() as http:
            async with http.post(urls[0], data=genuine, headers=headers) as resp:
                assert resp.status == 200
                assert "event_id" in (await resp.json())["data"]
            # Mailgun retrying the same request through the other replica: 200, not queued
            async with http.post(urls[1], data=genuine, headers=headers) as resp:
                assert resp.status == 200
                assert (await resp.json())["data"] == {"duplicate": True}
            # the captured signature on another body, at either replica: refused
            for url in urls:
                async with http.post(url, data=forged, headers=headers) as resp:
                    assert resp.status == 401
        assert await queue_depth(base_settings.amqp_url, f"{prefix}.raw") == 1
    finally:
        codes = [replica.stop() for replica in replicas]
        await delete_topology(base_settings.amqp_url, prefix)
    assert codes == [0, 0]
