"""Brevo webhooks: no signature. Authenticated by basic auth (credentials in the notify
URL: BOUNCEFLOW_WEBHOOK_BASIC_AUTH) or the webhook's bearer auth
(`auth: {type: bearer, token}` -> Authorization: Bearer <BOUNCEFLOW_BREVO_TOKEN>).
The body is one JSON event, or an array of them for a `batched` webhook.
"""

from __future__ import annotations

from typing import Final

from services.ingest.providers._credentials import Credentials, check, secret
from services.ingest.providers._json_shape import json_reason
from services.ingest.providers.base import Verdict, WebhookRequest
from shared.settings import Settings

NAME: Final = "brevo"


def authenticate(req: WebhookRequest, settings: Settings) -> Verdict:
    """Global basic auth, or the Brevo bearer token; refused when neither is set."""
    creds = Credentials(
        "Brevo", bearer=secret(settings.brevo_token), bearer_setting="BOUNCEFLOW_BREVO_TOKEN"
    )
    return check(req, settings, creds)


def well_formed(req: WebhookRequest) -> str | None:
    """Brevo posts a JSON object or an array of objects (application/json)."""
    return json_reason(req, "Brevo")
