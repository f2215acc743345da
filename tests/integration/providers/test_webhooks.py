"""Provider webhooks at the ingest: authenticity, bounds, and 200 only after a confirm.

Every negative case asserts on the broker (queue depth), not just the status.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import time
from collections.abc import AsyncIterator

import aio_pika
import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from services.ingest import state
from services.ingest.app import build_app
from shared.settings import Settings
from tests.helpers import queue_depth, wait_for

BASIC = "Basic " + base64.b64encode(b"provider:s3cret-s3cret-s3cret").decode()
SIGNING_KEY = "TEST_WEBHOOK_SIGNING_KEY"


async def _client(settings: Settings) -> TestClient:
    client = TestClient(TestServer(build_app(settings)))
    await client.start_server()
    publisher = client.app[state.PUBLISHER]

    async def ready() -> bool:
        return publisher.ready

    await wait_for(ready, what="publisher connected")
    return client


@pytest.fixture
async def client(settings: Settings, db) -> AsyncIterator[TestClient]:
    c = await _client(settings)
    yield c
    await c.close()


def ses_bounce(message_id: str = "m-1") -> bytes:
    message = {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": "jane@example.com", "status": "5.1.1"}],
            "timestamp": "2026-01-27T14:59:38.237Z",
        },
        "mail": {"messageId": "abc", "timestamp": "2026-01-27T14:59:38.237Z"},
    }
    return orjson.dumps(
        {"Type": "Notification", "MessageId": message_id, "Message": orjson.dumps(message).decode()}
    )


def mailgun_body(key: str = SIGNING_KEY, ts: int | None = None) -> bytes:
    ts = int(time.time()) if ts is None else ts
    token = "t" * 50
    sig = hmac.new(key.encode(), f"{ts}{token}".encode(), hashlib.sha256).hexdigest()
    return orjson.dumps(
        {
            "signature": {"timestamp": str(ts), "token": token, "signature": sig},
            "event-data": {
                "event": "failed",
                "severity": "permanent",
                "id": "x1",
                "recipient": "a@b.io",
                "timestamp": ts,
            },
        }
    )


async def depth(settings: Settings) -> int:
    return await queue_depth(settings.amqp_url, f"{settings.amqp_prefix}.raw")


async def test_basic_auth_accepted_and_published(client: TestClient, settings: Settings) -> None:
    resp = await client.post(
        "/api/v1/webhooks/ses",
        data=ses_bounce(),
        headers={
            "Authorization": BASIC,
            "Content-Type": "text/plain; charset=UTF-8",
            "x-amz-sns-message-id": "m-1",
        },
    )
    assert resp.status == 200
    event_id = (await resp.json())["data"]["event_id"]
    assert await depth(settings) == 1
    conn = await aio_pika.connect(settings.amqp_url)
    async with conn:
        ch = await conn.channel()
        q = await ch.declare_queue(f"{settings.amqp_prefix}.raw", passive=True)
        msg = await q.get(no_ack=True)
        assert msg.message_id == event_id
        assert msg.headers["provider"] == "ses"
        assert msg.headers["h-x-amz-sns-message-id"] == "m-1"
        assert msg.body == ses_bounce()


@pytest.mark.parametrize("provider", ["ses", "mailgun", "sendgrid"])
async def test_unauthenticated_is_401_and_nothing_published(
    client: TestClient, settings: Settings, provider: str
) -> None:
    bad = "Basic " + base64.b64encode(b"provider:wrong").decode()
    for headers in ({}, {"Authorization": bad}):
        resp = await client.post(f"/api/v1/webhooks/{provider}", data=b"[]", headers=headers)
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"].startswith("Basic")
        body = await resp.json()
        assert body["success"] is False
    assert await depth(settings) == 0


async def test_mailgun_hmac(settings: Settings, db) -> None:
    settings = settings.model_copy(
        update={"mailgun_signing_key": SecretStr(SIGNING_KEY), "webhook_basic_auth": None}
    )
    client = await _client(settings)
    try:
        ok = await client.post(
            "/api/v1/webhooks/mailgun",
            data=mailgun_body(),
            headers={"Content-Type": "application/json"},
        )
        # the same token again is answered 200 but not queued twice
        replay = await client.post(
            "/api/v1/webhooks/mailgun",
            data=mailgun_body(),
            headers={"Content-Type": "application/json"},
        )
        assert (await replay.json())["data"]["duplicate"] is True
        assert ok.status == 200
        for body in (mailgun_body(key="wrong"), mailgun_body(ts=int(time.time()) - 3600)):
            bad = await client.post(
                "/api/v1/webhooks/mailgun", data=body, headers={"Content-Type": "application/json"}
            )
            assert bad.status == 401
        assert await depth(settings) == 1
    finally:
        await client.close()


async def test_no_auth_configured_names_the_setting(settings: Settings, db) -> None:
    settings = settings.model_copy(update={"webhook_basic_auth": None})
    client = await _client(settings)
    try:
        resp = await client.post("/api/v1/webhooks/sendgrid", data=b"[]")
        assert resp.status == 401
        assert "BOUNCEFLOW_SENDGRID_PUBLIC_KEY" in (await resp.json())["error"]["message"]
    finally:
        await client.close()


async def test_malformed_and_oversized(client: TestClient, settings: Settings) -> None:
    h = {"Authorization": BASIC}
    assert (
        await client.post("/api/v1/webhooks/sendgrid", data=b"{not json", headers=h)
    ).status == 400
    assert (
        await client.post("/api/v1/webhooks/sendgrid", data=b'{"a": 1}', headers=h)
    ).status == 400
    assert (await client.post("/api/v1/webhooks/nope", data=b"[]", headers=h)).status == 404
    big = b"[" + b'"x",' * 300_000 + b'"x"]'  # 1.2 MB > BOUNCEFLOW_MAX_BODY_BYTES
    assert (
        await client.post("/api/v1/webhooks/sendgrid", data=io.BytesIO(big), headers=h)
    ).status == 413
    assert await depth(settings) == 0


async def test_full_queue_rejects_publish_with_503(base_settings: Settings, db) -> None:
    import uuid

    from shared.broker import delete_topology

    settings = base_settings.model_copy(
        update={"amqp_prefix": f"full-{uuid.uuid4().hex[:6]}", "raw_queue_max_length": 1}
    )
    client = await _client(settings)
    h = {"Authorization": BASIC, "Content-Type": "application/json"}
    try:
        statuses = [
            (await client.post("/api/v1/webhooks/sendgrid", data=b"[]", headers=h)).status
            for _ in range(4)
        ]
        assert statuses[0] == 200
        assert 503 in statuses
        assert all(s in (200, 503) for s in statuses)
        refused = await client.post("/api/v1/webhooks/sendgrid", data=b"[]", headers=h)
        assert refused.status == 503
        assert refused.headers["Retry-After"] == "5"
        # exactly the accepted ones are queued: nothing recorded for a 503
        assert await depth(settings) == statuses.count(200)
    finally:
        await client.close()
        await delete_topology(settings.amqp_url, settings.amqp_prefix)


async def test_unreachable_broker_answers_503(settings: Settings, db) -> None:
    settings = settings.model_copy(update={"amqp_url": "amqp://guest:guest@127.0.0.1:1/"})
    client = TestClient(TestServer(build_app(settings)))
    await client.start_server()
    try:
        resp = await client.post(
            "/api/v1/webhooks/ses", data=ses_bounce(), headers={"Authorization": BASIC}
        )
        assert resp.status == 503
        assert resp.headers["Retry-After"] == "5"
        assert (await resp.json())["error"]["code"] == "unavailable"
    finally:
        await client.close()


async def test_sendgrid_signed_event_webhook(settings: Settings, db) -> None:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    settings = settings.model_copy(
        update={"sendgrid_public_key": base64.b64encode(der).decode(), "webhook_basic_auth": None}
    )
    client = await _client(settings)

    def signed(body: bytes, ts: int) -> dict[str, str]:
        sig = private.sign(str(ts).encode() + body, ec.ECDSA(hashes.SHA256()))
        return {
            "Content-Type": "application/json",
            "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(sig).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": str(ts),
        }

    body = b'[{"email":"a@b.io","event":"bounce","sg_event_id":"e1","timestamp":1700000000}]\r\n'
    now = int(time.time())
    try:
        ok = await client.post("/api/v1/webhooks/sendgrid", data=body, headers=signed(body, now))
        assert ok.status == 200
        tampered = await client.post(
            "/api/v1/webhooks/sendgrid",
            data=body.replace(b"a@b", b"x@b"),
            headers=signed(body, now),
        )
        stale = await client.post(
            "/api/v1/webhooks/sendgrid", data=body, headers=signed(body, now - 3600)
        )
        other = ec.generate_private_key(ec.SECP256R1())
        wrong_key = {
            **signed(body, now),
            "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(
                other.sign(str(now).encode() + body, ec.ECDSA(hashes.SHA256()))
            ).decode(),
        }
        bad_b64 = {**signed(body, now), "X-Twilio-Email-Event-Webhook-Signature": "%%not base64%%"}
        refused = [
            (await client.post("/api/v1/webhooks/sendgrid", data=body, headers=h)).status
            for h in (wrong_key, bad_b64)
        ]
        assert (tampered.status, stale.status, *refused) == (401, 401, 401, 401)
        assert await depth(settings) == 1
    finally:
        await client.close()
