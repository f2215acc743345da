"""Authenticity checks of provider webhooks. Pure: bytes and settings in, verdict out.

A request passes with a valid provider signature or, where
BOUNCEFLOW_WEBHOOK_BASIC_AUTH is set, matching basic auth (CONTRACT §3).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from services.ingest.providers.base import AuthMethod, Verdict, accepted

ACCEPTED = accepted(AuthMethod.SIGNATURE)


@dataclass(frozen=True, slots=True)
class ProviderKeys:
    """Provider verification keys, parsed once at start-up."""

    sendgrid: ec.EllipticCurvePublicKey | None = None


def check_basic(header: str | None, expected: tuple[str, str] | None) -> bool:
    """Constant-time comparison of an `Authorization: Basic` header with user:password."""
    if expected is None or not header or not header.lower().startswith("basic "):
        return False
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    user, sep, password = decoded.partition(":")
    want_user, want_password = expected
    # evaluate both halves, always: no early exit on the user name
    user_ok = hmac.compare_digest(user.encode(), want_user.encode())
    password_ok = hmac.compare_digest(password.encode(), want_password.encode())
    return bool(sep) and user_ok and password_ok


def _fresh(provider: str, timestamp: str, now: float, tolerance: float) -> Verdict | None:
    """A refusal when the signed `timestamp` (epoch seconds) is not within `tolerance`."""
    try:
        age = abs(now - float(timestamp))
    except ValueError:
        return Verdict(False, f"{provider} timestamp is not a number")
    if not math.isfinite(age):  # "nan" and "inf" parse as floats and compare false
        return Verdict(False, f"{provider} timestamp is not a finite number")
    if age > tolerance:
        return Verdict(False, f"{provider} timestamp outside the tolerance window")
    return None


def mailgun_signature_fields(content_type: str, body: bytes) -> tuple[str, str, str] | None:
    """(timestamp, token, signature) of a Mailgun webhook, JSON or legacy form.

    In legacy form posts user-variables share the namespace, so the real
    signature fields are the *last* values.
    """
    try:
        if content_type.startswith("application/json"):
            sig = orjson.loads(body).get("signature")
            if not isinstance(sig, dict):
                return None
            fields = (sig.get("timestamp"), sig.get("token"), sig.get("signature"))
        elif content_type.startswith("application/x-www-form-urlencoded"):
            last: dict[str, str] = {}
            for key, value in parse_qsl(body.decode(), keep_blank_values=True):
                last[key] = value
            fields = (last.get("timestamp"), last.get("token"), last.get("signature"))
        else:
            return None
    except (orjson.JSONDecodeError, UnicodeDecodeError, AttributeError):
        return None
    if not all(isinstance(f, str | int) for f in fields):
        return None
    return str(fields[0]), str(fields[1]), str(fields[2])


def verify_mailgun(
    fields: tuple[str, str, str] | None, signing_key: str, now: float, tolerance: float
) -> Verdict:
    """HMAC-SHA256(key, timestamp + token), hex, compared in constant time; fresh timestamp."""
    if fields is None:
        return Verdict(False, "missing Mailgun signature fields")
    timestamp, token, signature = fields
    expected = hmac.new(signing_key.encode(), (timestamp + token).encode(), hashlib.sha256)
    if not hmac.compare_digest(expected.hexdigest(), signature.lower()):
        return Verdict(False, "Mailgun signature does not match")
    return _fresh("Mailgun", timestamp, now, tolerance) or ACCEPTED


def load_sendgrid_key(b64_der: str) -> ec.EllipticCurvePublicKey:
    """The public key SendGrid shows (base64 DER, ECDSA P-256)."""
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
    signature = headers.get("X-Twilio-Email-Event-Webhook-Signature")
    timestamp = headers.get("X-Twilio-Email-Event-Webhook-Timestamp")
    if not signature or not timestamp:
        return Verdict(False, "missing SendGrid signature headers")
    if stale := _fresh("SendGrid", timestamp, now, tolerance):
        return stale
    try:
        key.verify(
            base64.b64decode(signature, validate=True),
            timestamp.encode() + body,
            ec.ECDSA(hashes.SHA256()),
        )
    except (InvalidSignature, binascii.Error, ValueError):
        return Verdict(False, "SendGrid signature does not verify")
    return ACCEPTED
