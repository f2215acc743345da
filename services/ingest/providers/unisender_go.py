"""Unisender Go webhooks: authenticity is inside the body. Its `auth` field is the hex MD5
of the raw body in which the `auth` value is replaced by the user's (or project's) API
key (BOUNCEFLOW_UNISENDER_GO_API_KEY). Computed over the exact bytes, with a string
substitution of that one value: Unisender escapes "/" and orders keys its own way, so
re-serialised JSON would not match. MD5 is what Unisender uses; with the key secret and
mixed into the hashed text it serves as a keyed check. No timestamp: replays are dropped
by the processor's content-hash dedup. Basic auth in the callback URL is accepted too."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Final

import orjson

from services.ingest.providers.base import AuthMethod, Verdict, WebhookRequest, accepted
from services.ingest.providers.checks import json_object_reason, without_signature
from shared.settings import Settings

NAME: Final = "unisender_go"
SETTING: Final = "BOUNCEFLOW_UNISENDER_GO_API_KEY"
_MD5_HEX: Final = re.compile(r"[0-9a-fA-F]{32}")


def _auth_value(body: bytes) -> str | None:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    auth = doc.get("auth") if isinstance(doc, dict) else None
    return auth if isinstance(auth, str) and _MD5_HEX.fullmatch(auth) else None


def auth_ok(body: bytes, api_key: str) -> bool:
    """Does the body's `auth` equal md5(body with that value replaced by `api_key`)?"""
    auth = _auth_value(body)
    if auth is None:
        return False
    pattern = re.compile(rb'("auth"\s*:\s*")' + auth.encode() + rb'"')
    substituted, n = pattern.subn(lambda m: m[1] + api_key.encode() + b'"', body, count=1)
    if n != 1:
        return False
    digest = hashlib.md5(substituted, usedforsecurity=False).hexdigest()
    return hmac.compare_digest(digest.encode(), auth.lower().encode())


def authenticate(req: WebhookRequest, settings: Settings) -> Verdict:
    """The body's `auth` when the API key is set; else (or on mismatch) basic auth."""
    key = settings.unisender_go_api_key
    if key is None:
        return without_signature(req, "Unisender Go", SETTING, "auth check not configured")
    if auth_ok(req.body, key.get_secret_value().strip()):
        return accepted(AuthMethod.TOKEN)
    return without_signature(req, "Unisender Go", SETTING, "auth field missing or wrong")


def well_formed(req: WebhookRequest) -> str | None:
    """Unisender Go posts one JSON object (a batch or a single event)."""
    return json_object_reason(req.body, "Unisender Go")
