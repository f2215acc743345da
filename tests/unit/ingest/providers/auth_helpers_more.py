"""Building WebhookRequests and Settings for the provider authentication unit tests."""

from __future__ import annotations

import base64
from typing import Any

from multidict import CIMultiDict

from services.ingest.providers.base import WebhookRequest
from shared.settings import Settings

NOW = 1_700_000_000.0
GOOD_BASIC = "hooks:correct-horse-battery-staple"


def settings(**values: Any) -> Settings:
    """Settings from these values only (no environment, no .env)."""
    names = (
        "webhook_basic_auth",
        "public_url",
        "mandrill_webhook_key",
        "postmark_token",
        "sparkpost_basic_auth",
        "brevo_token",
    )
    base: dict[str, Any] = dict.fromkeys(names)
    return Settings(_env_file=None, **(base | values))


def basic_header(user_password: str) -> str:
    return "Basic " + base64.b64encode(user_password.encode()).decode()


def request(
    body: bytes,
    headers: dict[str, str] | None = None,
    *,
    content_type: str = "application/json",
    url: str = "https://bounces.example.com/api/v1/webhooks/x",
    basic_ok: bool = False,
) -> WebhookRequest:
    return WebhookRequest(
        url=url,
        headers=CIMultiDict(headers or {}),
        content_type=content_type,
        body=body,
        now=NOW,
        basic_ok=basic_ok,
    )
