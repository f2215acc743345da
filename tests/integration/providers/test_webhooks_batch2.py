"""Issue 10 item 2 (HTTP half): the ten batch 2 routes against the real app and broker.

Per provider (table: tests/integration/providers/webhook_kit.py): a real fixture body,
authenticated the provider's way -> 200 and exactly one raw message with the right
`auth` header; tampered, wrong key, stale (Resend signs a timestamp), unsigned and
nothing configured -> 401 with the queue empty. Every fixture of every provider (so
every content type each one uses) is accepted; the URL checks providers send when a
webhook is added are answered.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aio_pika
import pytest
from aiohttp.test_utils import TestClient

from services.ingest.providers import mandrill
from shared.settings import Settings
from tests.helpers import drain, queue_depth, wait_for
from tests.ingest_client import started
from tests.integration.providers.webhook_kit import _AUTH_FIELD, AUTHS, UNCONFIGURED, Auth
from tests.provider_fixtures import fixture_json, fixture_names, fixture_request

Start = Callable[[dict[str, Any]], Awaitable[TestClient]]
PROVIDERS = sorted(AUTHS)
SIGNED = sorted(p for p, a in AUTHS.items() if a.signs_body)


@pytest.fixture
async def start(settings: Settings) -> AsyncIterator[Start]:
    """Start the ingest app with these settings changed (basic auth off unless set)."""
    clients: list[TestClient] = []

    async def go(update: dict[str, Any]) -> TestClient:
        client = await started(settings.model_copy(update={**UNCONFIGURED, **update}))
        clients.append(client)
        return client

    yield go
    for c in clients:
        await c.close()


def _fixture(auth: Auth, name: str | None = None) -> tuple[bytes, str]:
    body, headers = fixture_request(auth.provider, name or auth.fixture)
    content_type = next(v for k, v in headers.items() if k.lower() == "content-type")
    return body, content_type


async def _post(
    client: TestClient, provider: str, body: bytes, content_type: str, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    resp = await client.post(
        f"/api/v1/webhooks/{provider}",
        data=body,
        headers={"Content-Type": content_type, **headers},
    )
    return resp.status, await resp.json()


async def _raw_messages(settings: Settings) -> list[aio_pika.abc.AbstractIncomingMessage]:
    return await drain(settings.amqp_url, f"{settings.amqp_prefix}.raw")


async def _depth(settings: Settings) -> int:
    return await queue_depth(settings.amqp_url, f"{settings.amqp_prefix}.raw")


async def _refused(
    client: TestClient, settings: Settings, auth: Auth, body: bytes, headers: dict[str, str]
) -> str:
    _, content_type = _fixture(auth)
    status, answer = await _post(client, auth.provider, body, content_type, headers)
    assert status == 401, (auth.provider, answer)
    assert await _depth(settings) == 0
    return str(answer["error"]["message"])


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_authenticated_fixture_is_queued_once(
    start: Start, settings: Settings, provider: str
) -> None:
    auth = AUTHS[provider]
    client = await start(auth.settings)
    body, content_type = _fixture(auth)
    sent, headers = auth.sign(body, auth.secret, time.time())
    status, answer = await _post(client, provider, sent, content_type, headers)
    assert status == 200, answer
    [message] = await _raw_messages(settings)
    assert message.message_id == answer["data"]["event_id"]
    assert message.headers["provider"] == provider
    assert message.headers["auth"] == auth.method.value
    assert message.body == sent


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_wrong_key_unsigned_and_unconfigured_are_401(
    start: Start, settings: Settings, provider: str
) -> None:
    auth = AUTHS[provider]
    body, _ = _fixture(auth)
    client = await start(auth.settings)
    wrong_body, wrong = auth.sign(body, auth.wrong, time.time())
    await _refused(client, settings, auth, wrong_body, wrong)
    unsigned = _AUTH_FIELD.sub(rb"\1\2", body)  # Unisender Go: an empty `auth`
    await _refused(client, settings, auth, unsigned, {})
    bare = await start({})  # neither the provider's setting nor basic auth
    signed, headers = auth.sign(body, auth.secret, time.time())
    _, content_type = _fixture(auth)
    status, answer = await _post(bare, provider, signed, content_type, headers)
    assert status == 401
    assert "BOUNCEFLOW_" in answer["error"]["message"]  # names the setting to configure
    assert await _depth(settings) == 0


@pytest.mark.parametrize("provider", SIGNED)
async def test_tampered_body_is_401(start: Start, settings: Settings, provider: str) -> None:
    auth = AUTHS[provider]
    body, _ = _fixture(auth)
    client = await start(auth.settings)
    signed, headers = auth.sign(body, auth.secret, time.time())
    tampered = signed.replace(b"example", b"exampl3", 1)
    assert tampered != signed
    await _refused(client, settings, auth, tampered, headers)


@pytest.mark.parametrize("provider", sorted(p for p, a in AUTHS.items() if a.signs_time))
async def test_stale_signature_is_401(start: Start, settings: Settings, provider: str) -> None:
    auth = AUTHS[provider]
    body, _ = _fixture(auth)
    client = await start(auth.settings)
    then = time.time() - settings.signature_tolerance - 60
    signed, headers = auth.sign(body, auth.secret, then)
    assert "tolerance" in await _refused(client, settings, auth, signed, headers)
    ahead = time.time() + settings.signature_tolerance + 60
    signed, headers = auth.sign(body, auth.secret, ahead)
    await _refused(client, settings, auth, signed, headers)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_every_fixture_and_content_type_is_accepted(
    start: Start, settings: Settings, provider: str
) -> None:
    auth = AUTHS[provider]
    client = await start(auth.settings)
    names = fixture_names(provider)
    types = set()
    for name in names:
        body, content_type = _fixture(auth, name)
        types.add(content_type.split(";")[0])
        sent, headers = auth.sign(body, auth.secret, time.time())
        status, answer = await _post(client, provider, sent, content_type, headers)
        assert status == 200, (name, answer)

    async def all_queued() -> bool:
        return await _depth(settings) == len(names)

    await wait_for(all_queued, what=f"{len(names)} {provider} messages queued")
    declared = {fixture_json(provider, n)["content_type"].split(";")[0] for n in names}
    assert types == declared


async def test_mandrill_head_check_and_test_post(start: Start, settings: Settings) -> None:
    auth = AUTHS["mandrill"]
    client = await start(auth.settings)
    resp = await client.head("/api/v1/webhooks/mandrill")  # unsigned, as Mandrill sends it
    assert resp.status == 200
    body = b"mandrill_events=%5B%5D"
    _, headers = auth.sign(body, mandrill.TEST_KEY, time.time())  # the generic test key
    status, _ = await _post(client, "mandrill", body, mandrill.FORM, headers)
    assert status == 200
    _, headers = auth.sign(b"mandrill_events=%5B%7B%7D%5D", mandrill.TEST_KEY, time.time())
    status, _ = await _post(
        client, "mandrill", b"mandrill_events=%5B%7B%7D%5D", mandrill.FORM, headers
    )
    assert status == 401  # the generic key signs only the empty batch


async def test_unisender_go_get_check_and_other_routes(start: Start, settings: Settings) -> None:
    client = await start(AUTHS["unisender_go"].settings)
    assert (await client.get("/api/v1/webhooks/unisender_go")).status == 200
    assert (await client.head("/api/v1/webhooks/unisender_go")).status == 200
    resp = await client.get("/api/v1/webhooks/postmark")
    assert resp.status == 405
    assert resp.headers["Allow"] == "POST"
    assert (await client.get("/api/v1/webhooks/nosuch")).status == 404
    assert (await client.get("/api/v1/webhooks/dsn")).status == 405
    assert await _depth(settings) == 0
