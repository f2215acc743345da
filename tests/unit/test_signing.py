"""Standard Webhooks signing, checked against the reference `standardwebhooks` package."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.notifier.signing import (
    SECRET_PREFIX,
    generate_secret,
    secret_key,
    sign,
    signature_header,
    webhook_headers,
)

BODY = b'{"event":"email.bounced","to":"jane@example.com"}'
MSG_ID = "msg_2b7d3f0c9a1e4d5f8b6a7c0d1e2f3a4b"


def _headers(secrets: list[str], body: bytes = BODY, ts: int | None = None) -> dict[str, str]:
    return webhook_headers(secrets, MSG_ID, int(time.time()) if ts is None else ts, body)


def test_generated_secret_is_whsec_with_24_random_bytes() -> None:
    secret = generate_secret()
    assert secret.startswith(SECRET_PREFIX)
    assert len(base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)) == 24
    assert generate_secret() != secret


def test_signature_verifies_with_reference_library() -> None:
    secret = generate_secret()
    headers = _headers([secret])
    assert Webhook(secret).verify(BODY, headers) == {
        "event": "email.bounced",
        "to": "jane@example.com",
    }
    assert headers["webhook-id"] == MSG_ID
    assert headers["webhook-signature"].startswith("v1,")
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == "bounceflow-notifier"


def test_matches_reference_library_sign() -> None:
    secret = generate_secret()
    ts = 1_750_000_000
    expected = Webhook(secret).sign(MSG_ID, datetime.fromtimestamp(ts, UTC), BODY.decode())
    assert sign(secret, MSG_ID, ts, BODY) == expected


def test_standard_webhooks_spec_vector() -> None:
    # the example published with the Standard Webhooks / Svix reference libraries
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert (
        sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_two_secrets_each_verify() -> None:
    new, old = generate_secret(), generate_secret()
    headers = _headers([new, old])
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(new).verify(BODY, headers)
    Webhook(old).verify(BODY, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(BODY, headers)


def test_wrong_secret_tampered_body_or_other_id_fail() -> None:
    secret = generate_secret()
    headers = _headers([secret])
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(BODY, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"jane", b"john"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, {**headers, "webhook-id": "msg_other"})


def test_stale_timestamp_is_rejected_by_receivers() -> None:
    secret = generate_secret()
    headers = _headers([secret], ts=int(time.time()) - 3600)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, headers)


def test_non_ascii_body_signs_as_bytes() -> None:
    secret = generate_secret()
    body = '{"bounce_message":"Boîte pleine — 552 5.2.2"}'.encode()
    Webhook(secret).verify(body, _headers([secret], body=body))


def test_secret_without_prefix_or_padding_is_accepted() -> None:
    secret = generate_secret()
    raw = secret.removeprefix(SECRET_PREFIX)
    assert sign(raw.rstrip("="), MSG_ID, 1, BODY) == sign(secret, MSG_ID, 1, BODY)


@pytest.mark.parametrize("bad", ["whsec_", "whsec_not base64!", ""])
def test_bad_secrets_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        secret_key(bad)


def test_signature_header_needs_a_secret() -> None:
    with pytest.raises(ValueError):
        signature_header([], MSG_ID, 1, BODY)
