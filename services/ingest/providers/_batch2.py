"""Helpers shared by the batch 2 provider modules (issue 10): the basic-auth fallback,
constant-time HMAC checks and the JSON well-formedness check. Pure."""

from __future__ import annotations

import hashlib
import hmac

import orjson

from services.ingest.providers.base import AuthMethod, Verdict, WebhookRequest, accepted, refused

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
