"""Mailjet Event API webhooks: no signature, no custom headers. Authenticated by basic
auth only (credentials in the callback URL, over HTTPS): BOUNCEFLOW_WEBHOOK_BASIC_AUTH.
The body is one JSON event, or an array of them with "group events".
"""

from __future__ import annotations

from typing import Final

from services.ingest.providers._credentials import Credentials, check
from services.ingest.providers._json_shape import json_reason
from services.ingest.providers.base import Verdict, WebhookRequest
from shared.settings import Settings

NAME: Final = "mailjet"


def authenticate(req: WebhookRequest, settings: Settings) -> Verdict:
    """Global basic auth; refused when it is not set."""
    return check(req, settings, Credentials("Mailjet"))


def well_formed(req: WebhookRequest) -> str | None:
    """Mailjet posts a JSON object or an array of objects (application/json)."""
    return json_reason(req, "Mailjet")
