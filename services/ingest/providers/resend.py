"""Resend webhooks, signed by Svix (Standard Webhooks).

`svix-signature` is a space-separated list of `v1,<base64 HMAC-SHA256>` over
"{svix-id}.{svix-timestamp}.{raw body}", keyed with the base64-decoded part of a
`whsec_` secret. BOUNCEFLOW_RESEND_WEBHOOK_SECRET takes several secrets, comma-separated,
for rotation; the timestamp must be within BOUNCEFLOW_SIGNATURE_TOLERANCE seconds.
The `webhook-*` header names of the Standard Webhooks spec are read too.

Verified here with hmac rather than the `standardwebhooks` package: a dozen lines, no
runtime dependency, and the package neither takes several secrets nor our injected clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Final

from services.ingest.providers.base import AuthMethod, Verdict, WebhookRequest, accepted
from services.ingest.providers.checks import json_object_reason, without_signature
from shared.settings import Settings
from shared.webhook_keys import svix_secrets

NAME: Final = "resend"
SETTING: Final = "BOUNCEFLOW_RESEND_WEBHOOK_SECRET"


def _header(req: WebhookRequest, name: str) -> str | None:
    return req.headers.get(f"svix-{name}") or req.headers.get(f"webhook-{name}")


def _why_not(req: WebhookRequest, keys: tuple[bytes, ...], tolerance: int) -> str | None:
    """None when the Svix signature verifies, else what is wrong."""
    msg_id, stamp, header = _header(req, "id"), _header(req, "timestamp"), _header(req, "signature")
    if not msg_id or not stamp or not header:
        return "signature headers missing"
    try:
        age = abs(req.now - int(stamp))
    except ValueError:
        return "timestamp is not a number"
    if age > tolerance:
        return "timestamp outside the tolerance window"
    signed = f"{msg_id}.{stamp}.".encode() + req.body
    expected = [base64.b64encode(hmac.new(k, signed, hashlib.sha256).digest()) for k in keys]
    for candidate in header.split():
        version, _, sig = candidate.partition(",")
        if version != "v1":
            continue
        for want in expected:  # every pair compared: no early exit on a prefix
            if hmac.compare_digest(want, sig.encode()):
                return None
    return "signature does not match"


def authenticate(req: WebhookRequest, settings: Settings) -> Verdict:
    """Svix signature when secrets are set; else (or on failure) basic auth."""
    secret = settings.resend_webhook_secret
    if secret is None:
        return without_signature(req, "Resend", SETTING, "signature not configured")
    why = _why_not(req, svix_secrets(secret.get_secret_value()), settings.signature_tolerance)
    if why is None:
        return accepted(AuthMethod.SIGNATURE)
    return without_signature(req, "Resend", SETTING, why)


def well_formed(req: WebhookRequest) -> str | None:
    """Resend posts one JSON object."""
    return json_object_reason(req.body, "Resend")
