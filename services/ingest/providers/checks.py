"""Checks several providers share: HTTP basic auth, timestamp freshness, the 401 when
nothing is configured, the basic-auth fallback of signing providers, constant-time
HMAC checks, the JSON well-formedness check. Pure."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math

import orjson

from services.ingest.providers.base import AuthMethod, Verdict, WebhookRequest, accepted, refused
from shared.settings import Settings


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


def stale(provider: str, timestamp: str, now: float, tolerance: float) -> Verdict | None:
    """A refusal when the signed `timestamp` (epoch seconds) is not within `tolerance`."""
    try:
        age = abs(now - float(timestamp))
    except ValueError:
        return refused(f"{provider} timestamp is not a number")
    if not math.isfinite(age):  # "nan" and "inf" parse as floats and compare false
        return refused(f"{provider} timestamp is not a finite number")
    if age > tolerance:
        return refused(f"{provider} timestamp outside the tolerance window")
    return None


def unconfigured(settings: Settings, setting: str) -> Verdict:
    """The refusal when neither the provider's key nor basic auth let a request in."""
    if settings.basic_auth_pair is not None:
        return refused("authentication required", challenge=True)
    return refused(f"no authentication configured: set {setting} or BOUNCEFLOW_WEBHOOK_BASIC_AUTH")


BASIC_SETTING = "BOUNCEFLOW_WEBHOOK_BASIC_AUTH"


def without_signature(req: WebhookRequest, provider: str, setting: str, why: str) -> Verdict:
    """The verdict when the provider's own check did not pass: basic auth, else refused.

    `why` says what failed ("not configured", "does not match", ...); the reason names
    the settings to configure, so an operator sees at once what is missing."""
    if req.basic_ok:
        return accepted(AuthMethod.BASIC)
    return refused(f"{provider} webhook {why}: set {setting} (or {BASIC_SETTING})")


def hex_hmac_sha256_ok(key: bytes, body: bytes, signature: str | None) -> bool:
    """Is `signature` the hex HMAC-SHA256 of `body`? (constant time, case-insensitive)"""
    if not signature:
        return False
    expected = hmac.new(key, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())


def json_object_reason(body: bytes, provider: str) -> str | None:
    """None when `body` is one JSON object, else a 400 reason."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return f"{provider} webhook body is not JSON"
    if not isinstance(doc, dict):
        return f"{provider} webhook body is not a JSON object"
    return None
