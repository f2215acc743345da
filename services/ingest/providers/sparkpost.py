"""SparkPost webhooks: no signature. The webhook's `auth_type` basic sends
`Authorization: Basic` with the credentials set on it: BOUNCEFLOW_SPARKPOST_BASIC_AUTH
(user:password) or the global BOUNCEFLOW_WEBHOOK_BASIC_AUTH. (oauth2 needs a token URL
we do not serve; the deprecated X-MessageSystems-Webhook-Token is not accepted.)
The body is always a JSON array of `{"msys": {...}}`.
"""

from __future__ import annotations

from typing import Final

from services.ingest.providers._credentials import Credentials, check, secret
from services.ingest.providers._json_shape import json_reason
from services.ingest.providers.base import Verdict, WebhookRequest
from shared.settings import Settings

NAME: Final = "sparkpost"


def authenticate(req: WebhookRequest, settings: Settings) -> Verdict:
    """Global or SparkPost basic auth; refused when neither is set."""
    creds = Credentials(
        "SparkPost",
        basic=secret(settings.sparkpost_basic_auth),
        basic_setting="BOUNCEFLOW_SPARKPOST_BASIC_AUTH",
    )
    return check(req, settings, creds)


def well_formed(req: WebhookRequest) -> str | None:
    """SparkPost posts a JSON array of objects (application/json)."""
    return json_reason(req, "SparkPost", objects=False)
