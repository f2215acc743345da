"""Standard Webhooks signing (https://www.standardwebhooks.com/). Pure functions.

The signed content is `{webhook-id}.{webhook-timestamp}.{body}`; the signature is
base64(HMAC-SHA256(key, content)) where the key is the base64-decoded part of the
`whsec_…` secret. Receivers verify with any Standard Webhooks library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from secrets import token_bytes

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format marker, not a secret
SECRET_BYTES = 24  # 192-bit keys, as Svix / Standard Webhooks issue them
USER_AGENT = "bounceflow-notifier"


def generate_secret() -> str:
    """A new endpoint signing secret: `whsec_` + base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key inside `secret` (with or without the `whsec_` prefix).

    Raises ValueError when the secret is not base64 or is empty.
    """
    encoded = secret.removeprefix(SECRET_PREFIX)
    # tolerate unpadded base64, as the reference libraries do
    encoded += "=" * (-len(encoded) % 4)
    try:
        key = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise ValueError("webhook secret is not valid base64") from None
    if not key:
        raise ValueError("webhook secret is empty")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One versioned signature, `v1,<base64 HMAC-SHA256>`, of this message."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: one space-separated signature per secret.

    Several secrets are used while a rotated-out secret is still honoured, so a
    receiver holding either the old or the new secret can verify.
    """
    if not secrets:
        raise ValueError("at least one secret is required")
    return " ".join(sign(s, msg_id, timestamp, body) for s in secrets)


def webhook_headers(
    secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """Every header of an outgoing webhook request carrying `body`."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets, msg_id, timestamp, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
