"""The provider webhooks by name: what `POST /api/v1/webhooks/{provider}` looks up.

Adding a provider: write `providers/<name>.py` (see base.py) and add its row here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import aiohttp
from aiohttp import web

from services.ingest.providers import (
    brevo,
    mailersend,
    mailgun,
    mailjet,
    mailtrap,
    mandrill,
    postal,
    postmark,
    resend,
    sendgrid,
    ses,
    sns,
    sparkpost,
    unisender_go,
)
from services.ingest.providers.base import Verdict, WebhookRequest
from shared.settings import Settings

Authenticate = Callable[[WebhookRequest, Settings], Verdict | Awaitable[Verdict]]
WellFormed = Callable[[WebhookRequest], str | None]
# answers a provider's control message itself (an SNS subscription), or None to enqueue
Control = Callable[[aiohttp.ClientSession, Settings, bytes], Awaitable[web.Response | None]]


@dataclass(frozen=True, slots=True)
class Provider:
    """One provider's webhook: its name (the path segment) and its checks."""

    name: str
    authenticate: Authenticate
    well_formed: WellFormed
    control: Control | None = None
    url_check: bool = False  # answers the GET/HEAD the provider sends when a webhook is added


PROVIDERS: Mapping[str, Provider] = MappingProxyType(
    {
        p.name: p
        for p in (
            Provider(ses.NAME, ses.authenticate, ses.well_formed, sns.handle_sns_control),
            Provider(mailgun.NAME, mailgun.authenticate, mailgun.well_formed),
            Provider(sendgrid.NAME, sendgrid.authenticate, sendgrid.well_formed),
            Provider(postmark.NAME, postmark.authenticate, postmark.well_formed),
            Provider(sparkpost.NAME, sparkpost.authenticate, sparkpost.well_formed),
            Provider(mailjet.NAME, mailjet.authenticate, mailjet.well_formed),
            Provider(brevo.NAME, brevo.authenticate, brevo.well_formed),
            Provider(mandrill.NAME, mandrill.authenticate, mandrill.well_formed, url_check=True),
            Provider(resend.NAME, resend.authenticate, resend.well_formed),
            Provider(postal.NAME, postal.authenticate, postal.well_formed),
            Provider(mailersend.NAME, mailersend.authenticate, mailersend.well_formed),
            Provider(
                unisender_go.NAME,
                unisender_go.authenticate,
                unisender_go.well_formed,
                url_check=True,
            ),
            Provider(mailtrap.NAME, mailtrap.authenticate, mailtrap.well_formed),
        )
    }
)
