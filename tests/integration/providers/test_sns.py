"""SES via SNS at the ingest: signature verification with a certificate fetched from a
local "SNS", topic allow-list, subscription confirmation. Asserted on the broker."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.ingest import state
from services.ingest.app import build_app
from shared.settings import Settings
from tests.helpers import queue_depth, wait_for
from tests.sns_fake import FakeSns, sns
from tests.sns_signer import SnsSigner

__all__ = ["sns"]  # the fixture, re-exported for pytest

TOPIC = "arn:aws:sns:us-west-2:123456789012:bounces"


@pytest.fixture
async def client(settings: Settings, sns: FakeSns, db) -> AsyncIterator[TestClient]:
    settings = settings.model_copy(
        update={
            "webhook_basic_auth": None,
            "sns_url_pattern": "^" + re.escape(sns.base) + "/",
            "sns_topic_arns": TOPIC,
        }
    )
    c = TestClient(TestServer(build_app(settings)))
    await c.start_server()

    async def ready() -> bool:
        return c.app[state.PUBLISHER].ready

    await wait_for(ready, what="publisher connected")
    yield c
    await c.close()


def notification(topic: str = TOPIC) -> dict[str, str]:
    ses = {
        "notificationType": "Bounce",
        "bounce": {"bounceType": "Permanent", "bouncedRecipients": []},
    }
    return {
        "Type": "Notification",
        "MessageId": "0b2c6b3a-1111-2222-3333-444455556666",
        "TopicArn": topic,
        "Message": orjson.dumps(ses).decode(),
        "Timestamp": "2026-06-18T10:30:00.000Z",
    }


async def post(client: TestClient, doc: dict[str, str]) -> int:
    resp = await client.post(
        "/api/v1/webhooks/ses",
        data=orjson.dumps(doc),
        headers={
            "Content-Type": "text/plain; charset=UTF-8",
            "x-amz-sns-message-type": doc["Type"],
        },
    )
    return resp.status


async def depth(settings: Settings) -> int:
    return await queue_depth(settings.amqp_url, f"{settings.amqp_prefix}.raw")


@pytest.mark.parametrize("version", ["1", "2"])
async def test_signed_notification_accepted_and_cert_cached(
    client: TestClient, sns: FakeSns, settings: Settings, version: str
) -> None:
    signed = sns.signer.sign(notification(), sns.base + "/cert.pem", version)
    assert await post(client, signed) == 200
    assert await post(client, signed) == 200
    assert sns.cert_fetches == 1
    assert await depth(settings) == 2


async def test_bad_signatures_are_401_and_nothing_published(
    client: TestClient, sns: FakeSns, settings: Settings
) -> None:
    good = sns.signer.sign(notification(), sns.base + "/cert.pem")
    cases = {
        "tampered body": {**good, "Message": good["Message"].replace("Permanent", "Transient")},
        "wrong key": SnsSigner().sign(notification(), sns.base + "/cert.pem"),
        "cert url off-pattern": sns.signer.sign(notification(), "https://evil.example/cert.pem"),
        "topic not allowed": sns.signer.sign(
            notification(topic="arn:aws:sns:x:1:other"), sns.base + "/cert.pem"
        ),
        "bad base64": {**good, "Signature": "%%%not-base64%%%"},
        "unsigned": notification(),
    }
    for name, doc in cases.items():
        assert await post(client, doc) == 401, name
    assert await depth(settings) == 0


async def test_subscription_confirmation_fetches_subscribe_url(
    client: TestClient, sns: FakeSns, settings: Settings
) -> None:
    confirmation = {
        "Type": "SubscriptionConfirmation",
        "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        "Token": "tok-123",
        "TopicArn": TOPIC,
        "Message": "You have chosen to subscribe to the topic.",
        "SubscribeURL": sns.base + "/confirm?Action=ConfirmSubscription&Token=tok-123",
        "Timestamp": "2026-06-18T10:30:00.000Z",
    }
    assert await post(client, sns.signer.sign(confirmation, sns.base + "/cert.pem")) == 200
    assert sns.confirmations == ["tok-123"]
    assert await depth(settings) == 0  # a control message is not an event


async def test_subscribe_url_off_pattern_is_not_fetched(client: TestClient, sns: FakeSns) -> None:
    confirmation = {
        "Type": "SubscriptionConfirmation",
        "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1c",
        "Token": "tok-456",
        "TopicArn": TOPIC,
        "Message": "You have chosen to subscribe to the topic.",
        "SubscribeURL": "https://evil.example/confirm?Token=tok-456",
        "Timestamp": "2026-06-18T10:30:00.000Z",
    }
    assert await post(client, sns.signer.sign(confirmation, sns.base + "/cert.pem")) == 400
    assert sns.confirmations == []


async def test_unsubscribe_confirmation_never_resubscribes(
    client: TestClient, sns: FakeSns
) -> None:
    doc = {
        "Type": "UnsubscribeConfirmation",
        "MessageId": "47138184-6831-46b8-8f7c-afc488602d7d",
        "Token": "tok-789",
        "TopicArn": TOPIC,
        "Message": "You have chosen to deactivate subscription",
        "SubscribeURL": sns.base + "/confirm?Token=tok-789",
        "Timestamp": "2026-06-18T10:30:00.000Z",
    }
    assert await post(client, sns.signer.sign(doc, sns.base + "/cert.pem")) == 200
    assert sns.confirmations == []
