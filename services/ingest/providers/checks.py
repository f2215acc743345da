"""Checks several providers share: HTTP basic auth, timestamp freshness, the 401 when
nothing is configured. Pure."""

from __future__ import annotations

import base64
import binascii
import hmac
import math

from services.ingest.providers.base import Verdict, refused
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
