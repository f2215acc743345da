"""MailerSend webhooks: `Signature` = hex HMAC-SHA256 of the raw body with the webhook's
signing secret (BOUNCEFLOW_MAILERSEND_SIGNING_SECRET). No timestamp is signed, so there is
no freshness check: a replayed event is a duplicate the processor drops by its
activity id. Basic auth in the webhook URL is accepted too."""

from __future__ import annotations

from typing import Final

from services.ingest.providers.base import AuthMethod, Verdict, WebhookRequest, accepted
from services.ingest.providers.checks import (
    hex_hmac_sha256_ok,
    json_object_reason,
    without_signature,
)
from shared.settings import Settings

NAME: Final = "mailersend"
SETTING: Final = "BOUNCEFLOW_MAILERSEND_SIGNING_SECRET"


def authenticate(req: WebhookRequest, settings: Settings) -> Verdict:
    """Signature when a signing secret is set; else (or on mismatch) basic auth."""
    secret = settings.mailersend_signing_secret
    if secret is None:
        return without_signature(req, "MailerSend", SETTING, "signature not configured")
    key = secret.get_secret_value().strip().encode()
    if hex_hmac_sha256_ok(key, req.body, req.headers.get("Signature")):
        return accepted(AuthMethod.SIGNATURE)
    return without_signature(req, "MailerSend", SETTING, "signature missing or wrong")


def well_formed(req: WebhookRequest) -> str | None:
    """MailerSend posts one JSON object."""
    return json_object_reason(req.body, "MailerSend")
