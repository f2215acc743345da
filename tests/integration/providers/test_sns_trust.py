"""SNS trust boundary (issue 12): which topics are accepted, what of a signed envelope is
read, and malformed envelopes refused with a 4xx. Asserted on the broker and in Postgres."""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

import asyncpg
import orjson
import pytest
import structlog
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from services.ingest import state
from services.ingest.app import build_app
from services.processor.app import serve as processor_serve
from shared.settings import Settings
from tests.helpers import queue_depth, wait_for
from tests.sns_fake import FakeSns, sns

__all__ = ["sns"]  # the fixture, re-exported for pytest

TOPIC = "arn:aws:sns:us-west-2:123456789012:bounces"
OTHER = "arn:aws:sns:eu-west-1:999999999999:attacker"
BASIC_PAIR = "provider:s3cret-s3cret-s3cret"
BASIC = "Basic " + base64.b64encode(BASIC_PAIR.encode()).decode()

MakeClient = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def make_client(
    settings: Settings, sns: FakeSns, db: asyncpg.Pool
) -> AsyncIterator[MakeClient]:
    clients: list[TestClient] = []

    async def make(topics: str | None, basic: str | None = BASIC_PAIR) -> TestClient:
        configured = settings.model_copy(
            update={
                "webhook_basic_auth": SecretStr(basic) if basic else None,
                "sns_url_pattern": "^" + re.escape(sns.base) + "/",
                "sns_topic_arns": topics,
            }
        )
        client = TestClient(TestServer(build_app(configured)))
        await client.start_server()
        clients.append(client)

        async def ready() -> bool:
            return client.app[state.PUBLISHER].ready

        await wait_for(ready, what="publisher connected")
        return client

    yield make
    for client in clients:
        await client.close()


def ses_bounce(email: str) -> dict[str, object]:
    return {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": email}],
            "timestamp": "2026-06-18T10:30:00.000Z",
        },
        "mail": {"messageId": "m-1", "timestamp": "2026-06-18T10:29:00.000Z"},
    }


def notification(topic: str = TOPIC, email: str = "genuine@example.com") -> dict[str, str]:
    return {
        "Type": "Notification",
        "MessageId": "0b2c6b3a-1111-2222-3333-444455556666",
        "TopicArn": topic,
        "Message": orjson.dumps(ses_bounce(email)).decode(),
        "Timestamp": "2026-06-18T10:30:00.000Z",
    }


def confirmation(topic: str, token: str) -> dict[str, str]:
    return {
        "Type": "SubscriptionConfirmation",
        "MessageId": f"msg-{token}",
        "Token": token,
        "TopicArn": topic,
        "Message": "You have chosen to subscribe to the topic.",
        "SubscribeURL": f"https://placeholder/confirm?Token={token}",
        "Timestamp": "2026-06-18T10:30:00.000Z",
    }


async def post(client: TestClient, doc: Mapping[str, object], *, basic: bool = False) -> int:
    headers = {"Content-Type": "text/plain; charset=UTF-8"}
    if basic:
        headers["Authorization"] = BASIC
    resp = await client.post("/api/v1/webhooks/ses", data=orjson.dumps(doc), headers=headers)
    return resp.status


def signed(sns: FakeSns, doc: dict[str, str]) -> dict[str, str]:
    if doc["Type"] == "SubscriptionConfirmation":
        doc = {**doc, "SubscribeURL": sns.base + "/confirm?Token=" + doc["Token"]}
    return sns.signer.sign(doc, sns.base + "/cert.pem")


async def depth(settings: Settings) -> int:
    return await queue_depth(settings.amqp_url, f"{settings.amqp_prefix}.raw")


async def test_no_allow_list_needs_basic_auth_too(
    make_client: MakeClient, sns: FakeSns, settings: Settings
) -> None:
    client = await make_client(topics=None)
    # a message AWS signed for an attacker's topic: refused without our basic auth
    assert await post(client, signed(sns, notification(OTHER))) == 401
    assert await post(client, signed(sns, confirmation(OTHER, "t-attacker"))) == 401
    assert sns.confirmations == []
    assert await depth(settings) == 0
    # the same shapes with basic auth (the operator's own subscription URL) are accepted
    assert await post(client, signed(sns, notification(TOPIC)), basic=True) == 200
    assert await post(client, signed(sns, confirmation(TOPIC, "t-ours")), basic=True) == 200
    assert sns.confirmations == ["t-ours"]
    assert await depth(settings) == 1


async def test_allow_list_confirms_only_listed_topics(
    make_client: MakeClient, sns: FakeSns, settings: Settings
) -> None:
    client = await make_client(topics=TOPIC, basic=None)
    assert await post(client, signed(sns, confirmation(OTHER, "t-other"))) == 401
    assert await post(client, signed(sns, confirmation(TOPIC, "t-listed"))) == 200
    assert sns.confirmations == ["t-listed"]
    assert await post(client, signed(sns, notification(OTHER))) == 401
    assert await depth(settings) == 0


async def test_star_accepts_any_topic_and_warns_at_start(
    make_client: MakeClient, sns: FakeSns, settings: Settings
) -> None:
    with structlog.testing.capture_logs() as logs:
        client = await make_client(topics="*", basic=None)
    assert any(entry["event"] == "sns_any_topic_insecure" for entry in logs)
    assert await post(client, signed(sns, notification(OTHER))) == 200
    assert await post(client, signed(sns, confirmation(OTHER, "t-any"))) == 200
    assert sns.confirmations == ["t-any"]
    assert await depth(settings) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("TopicArn", {"arn": "x"}), ("MessageId", 7), ("Message", ["x"]), ("Type", None)],
)
async def test_mistyped_signed_fields_are_401_not_500(
    make_client: MakeClient, sns: FakeSns, settings: Settings, field: str, value: object
) -> None:
    client = await make_client(topics=TOPIC, basic=None)
    doc: dict[str, object] = {**signed(sns, notification()), field: value}
    assert await post(client, doc) == 401
    assert await depth(settings) == 0


async def test_unsigned_top_level_keys_of_a_signed_envelope_are_ignored(
    make_client: MakeClient, sns: FakeSns, settings: Settings, db: asyncpg.Pool
) -> None:
    """The injection of issue 12: SES-shaped keys beside a genuine signed Message."""
    client = await make_client(topics=TOPIC, basic=None)
    injected = {**signed(sns, notification()), **ses_bounce("victim@example.com")}
    assert await post(client, injected) == 200
    stop = asyncio.Event()
    task = asyncio.create_task(processor_serve(settings, stop))
    try:

        async def applied() -> list[asyncpg.Record]:
            return await db.fetch("SELECT email, dedup_key FROM events")

        rows = await wait_for(applied, what="the event applied")
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    assert [r["email"] for r in rows] == ["genuine@example.com"]
    assert rows[0]["dedup_key"].startswith("ses:0b2c6b3a-1111-2222-3333-444455556666:")
    victim = await db.fetchval(
        "SELECT count(*) FROM subscribers WHERE email = 'victim@example.com'"
    )
    assert victim == 0
