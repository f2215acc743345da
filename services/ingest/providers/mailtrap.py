"""Mailtrap webhooks: `Mailtrap-Signature` = hex HMAC-SHA256 of the raw body (JSON or JSON
Lines alike) with the webhook's signing secret (BOUNCEFLOW_MAILTRAP_SIGNING_SECRET). No
timestamp is signed: a replayed batch is dropped by the processor's event_id dedup.
Mailtrap also lets the webhook URL carry basic-auth credentials, accepted as well."""

from __future__ import annotations

from typing import Final

import orjson

from services.ingest.providers.base import AuthMethod, Verdict, WebhookRequest, accepted
from services.ingest.providers.checks import hex_hmac_sha256_ok, without_signature
from shared.settings import Settings

NAME: Final = "mailtrap"
SETTING: Final = "BOUNCEFLOW_MAILTRAP_SIGNING_SECRET"


def authenticate(req: WebhookRequest, settings: Settings) -> Verdict:
    """Signature when a signing secret is set; else (or on mismatch) basic auth."""
    secret = settings.mailtrap_signing_secret
    if secret is None:
        return without_signature(req, "Mailtrap", SETTING, "signature not configured")
    key = secret.get_secret_value().strip().encode()
    if hex_hmac_sha256_ok(key, req.body, req.headers.get("Mailtrap-Signature")):
        return accepted(AuthMethod.SIGNATURE)
    return without_signature(req, "Mailtrap", SETTING, "signature missing or wrong")


def well_formed(req: WebhookRequest) -> str | None:
    """A JSON object (`{"events": [...]}`) or JSON Lines: one JSON object per line."""
    lines = [line for line in req.body.splitlines() if line.strip()]
    if not lines:
        return "Mailtrap webhook body is empty"
    try:
        if len(lines) > 1 and isinstance(orjson.loads(req.body), dict):
            return None  # a pretty-printed JSON document
    except orjson.JSONDecodeError:
        pass
    for n, line in enumerate(lines, 1):
        try:
            doc = orjson.loads(line)
        except orjson.JSONDecodeError:
            return f"Mailtrap webhook body line {n} is not JSON"
        if not isinstance(doc, dict):
            return f"Mailtrap webhook body line {n} is not a JSON object"
    return None
