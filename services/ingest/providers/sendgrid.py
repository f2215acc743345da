"""SendGrid Event Webhook batches (JSON arrays), with the Signed Event Webhook (ECDSA)."""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Mapping
from typing import Final

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from services.ingest.providers.base import (
    AuthMethod,
    Verdict,
    WebhookRequest,
    accepted,
    refused,
)
from services.ingest.providers.checks import stale, unconfigured
from shared.settings import Settings

NAME: Final = "sendgrid"
SIGNATURE_HEADER: Final = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER: Final = "X-Twilio-Email-Event-Webhook-Timestamp"


@functools.cache
def load_sendgrid_key(b64_der: str) -> ec.EllipticCurvePublicKey:
    """The public key SendGrid shows (base64 DER, ECDSA P-256); parsed once per value."""
    key = load_der_public_key(base64.b64decode(b64_der))
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("BOUNCEFLOW_SENDGRID_PUBLIC_KEY is not an ECDSA public key")
    return key


def verify_sendgrid(
    key: ec.EllipticCurvePublicKey,
    headers: Mapping[str, str],
    body: bytes,
    now: float,
    tolerance: float,
) -> Verdict:
    """ECDSA P-256 / SHA-256 over timestamp header + raw body; signature is base64 DER."""
    signature = headers.get(SIGNATURE_HEADER)
    timestamp = headers.get(TIMESTAMP_HEADER)
    if not signature or not timestamp:
        return refused("missing SendGrid signature headers")
    if too_old := stale("SendGrid", timestamp, now, tolerance):
        return too_old
    try:
        key.verify(
            base64.b64decode(signature, validate=True),
            timestamp.encode() + body,
            ec.ECDSA(hashes.SHA256()),
        )
    except (InvalidSignature, binascii.Error, ValueError):
        return refused("SendGrid signature does not verify")
    return accepted(AuthMethod.SIGNATURE)


def authenticate(req: WebhookRequest, settings: Settings) -> Verdict:
    """Basic auth, else the Signed Event Webhook; 401 naming the setting when neither is set."""
    if req.basic_ok:
        return accepted(AuthMethod.BASIC)
    if not settings.sendgrid_public_key:
        return unconfigured(settings, "BOUNCEFLOW_SENDGRID_PUBLIC_KEY")
    key = load_sendgrid_key(settings.sendgrid_public_key)
    return verify_sendgrid(key, req.headers, req.body, req.now, settings.signature_tolerance)


def well_formed(req: WebhookRequest) -> str | None:
    """SendGrid posts a JSON array of events."""
    try:
        doc = orjson.loads(req.body)
    except orjson.JSONDecodeError:
        return "body is not JSON"
    return None if isinstance(doc, list) else "SendGrid posts a JSON array of events"
