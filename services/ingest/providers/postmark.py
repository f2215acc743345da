"""Postmark webhooks: no signature. Authenticated by basic auth (credentials in the webhook
URL: BOUNCEFLOW_WEBHOOK_BASIC_AUTH) or a bearer token sent as a custom webhook header
(`HttpHeaders`: Authorization: Bearer <BOUNCEFLOW_POSTMARK_TOKEN>). One JSON object per POST.
"""

from __future__ import annotations

from typing import Final

from services.ingest.providers._credentials import Credentials, check, secret
from services.ingest.providers._json_shape import json_reason
from services.ingest.providers.base import Verdict, WebhookRequest
from shared.settings import Settings

NAME: Final = "postmark"


def authenticate(req: WebhookRequest, settings: Settings) -> Verdict:
    """Global basic auth, or the Postmark bearer token; refused when neither is set."""
    creds = Credentials(
        "Postmark",
        bearer=secret(settings.postmark_token),
        bearer_setting="BOUNCEFLOW_POSTMARK_TOKEN",
    )
    return check(req, settings, creds)


def well_formed(req: WebhookRequest) -> str | None:
    """Postmark posts one JSON object (application/json)."""
    return json_reason(req, "Postmark", arrays=False)
