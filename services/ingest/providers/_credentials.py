"""Credentials we configure at providers that do not sign their webhooks (Postmark,
SparkPost, Mailjet, Brevo): basic auth or a bearer token, compared in constant time.

A request passes with valid BOUNCEFLOW_WEBHOOK_BASIC_AUTH credentials (`req.basic_ok`,
checked by the route) or with the provider's own setting. With nothing configured it
is refused, and the reason names the settings to configure.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from pydantic import SecretStr

from services.ingest.providers.base import (
    AuthMethod,
    Verdict,
    WebhookRequest,
    accepted,
    refused,
)
from services.ingest.providers.checks import check_basic
from shared.settings import Settings

GLOBAL_BASIC = "BOUNCEFLOW_WEBHOOK_BASIC_AUTH"


def secret(value: SecretStr | None) -> str | None:
    """The secret's value; None when unset or empty (what `${VAR:-}` passes)."""
    if value is None:
        return None
    return value.get_secret_value() or None


@dataclass(frozen=True, slots=True)
class Credentials:
    """What one provider may present besides the global basic auth."""

    provider: str  # for messages: "Postmark"
    basic: str | None = None  # "user:password" of the provider's own basic-auth setting
    basic_setting: str | None = None
    bearer: str | None = None  # token sent as `Authorization: Bearer <token>`
    bearer_setting: str | None = None


def bearer_ok(header: str | None, token: str) -> bool:
    """`Authorization: Bearer <token>` with exactly `token` (constant-time compare)."""
    if not header or header[:7].lower() != "bearer ":
        return False
    return hmac.compare_digest(header[7:].strip().encode(), token.encode())


def check(req: WebhookRequest, settings: Settings, creds: Credentials) -> Verdict:
    """Accepted on the global basic auth, the provider's basic auth or its bearer token."""
    if req.basic_ok:
        return accepted(AuthMethod.BASIC)
    header = req.headers.get("Authorization")
    if creds.basic is not None:
        user, _, password = creds.basic.partition(":")
        if check_basic(header, (user, password)):
            return accepted(AuthMethod.BASIC)
    if creds.bearer is not None and bearer_ok(header, creds.bearer):
        return accepted(AuthMethod.BASIC)
    basic_configured = secret(settings.webhook_basic_auth) is not None or creds.basic is not None
    if basic_configured or creds.bearer is not None:
        what = "credentials do not match" if header else "authentication required"
        return refused(f"{creds.provider}: {what}", challenge=basic_configured)
    names = [s for s in (creds.bearer_setting, creds.basic_setting) if s] + [GLOBAL_BASIC]
    return refused(
        f"no authentication configured for {creds.provider} webhooks: set " + " or ".join(names)
    )
