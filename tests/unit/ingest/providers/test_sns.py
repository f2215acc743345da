"""SNS signature checks, pure: canonical strings and SHA1/SHA256withRSA."""

from __future__ import annotations

import pytest

from services.ingest.providers.sns import canonical_string, verify_with_certificate
from tests.sns_signer import SnsSigner

NOTIFICATION = {
    "Type": "Notification",
    "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
    "TopicArn": "arn:aws:sns:us-west-2:123456789012:MyTopic",
    "Subject": "My First Message",
    "Message": "Hello world!",
    "Timestamp": "2012-05-02T00:54:06.655Z",
}
CONFIRMATION = {
    "Type": "SubscriptionConfirmation",
    "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
    "Token": "2336412f37",
    "TopicArn": "arn:aws:sns:us-west-2:123456789012:MyTopic",
    "Message": "You have chosen to subscribe to the topic",
    "SubscribeURL": "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription",
    "Timestamp": "2012-04-26T20:45:04.751Z",
}


@pytest.fixture(scope="module")
def signer() -> SnsSigner:
    return SnsSigner()


def test_canonical_string_notification_order_and_optional_subject() -> None:
    assert canonical_string(NOTIFICATION) == (
        b"Message\nHello world!\nMessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\n"
        b"Subject\nMy First Message\nTimestamp\n2012-05-02T00:54:06.655Z\n"
        b"TopicArn\narn:aws:sns:us-west-2:123456789012:MyTopic\nType\nNotification\n"
    )
    without = {k: v for k, v in NOTIFICATION.items() if k != "Subject"}
    assert b"Subject" not in canonical_string(without)


def test_canonical_string_confirmation_has_token_and_url() -> None:
    text = canonical_string(CONFIRMATION).decode()
    assert text.index("SubscribeURL\n") < text.index("Token\n") < text.index("TopicArn\n")


@pytest.mark.parametrize("version", ["1", "2"])
@pytest.mark.parametrize(
    "message", [NOTIFICATION, CONFIRMATION], ids=["notification", "confirmation"]
)
def test_valid_signature_verifies(signer: SnsSigner, version: str, message: dict[str, str]) -> None:
    signed = signer.sign(message, "https://sns.test/cert.pem", version)
    assert verify_with_certificate(signed, signer.cert_pem).ok


@pytest.mark.parametrize(
    "tamper",
    [
        {"Message": "Hello world?"},
        {"TopicArn": "arn:aws:sns:us-west-2:123456789012:Other"},
        {"Signature": "not base64!!"},
        {"SignatureVersion": "3"},
    ],
)
def test_tampered_message_fails(signer: SnsSigner, tamper: dict[str, str]) -> None:
    signed = {**signer.sign(NOTIFICATION, "https://sns.test/cert.pem"), **tamper}
    verdict = verify_with_certificate(signed, signer.cert_pem)
    assert not verdict.ok
    assert verdict.reason


def test_wrong_key_fails(signer: SnsSigner) -> None:
    other = SnsSigner()
    signed = other.sign(NOTIFICATION, "https://sns.test/cert.pem")
    assert not verify_with_certificate(signed, signer.cert_pem).ok
