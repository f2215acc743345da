"""The provider webhooks by name: what `POST /api/v1/webhooks/{provider}` looks up.

Adding a provider: write `providers/<name>.py` (see base.py) and add its row here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import aiohttp
from aiohttp import web

from services.ingest.providers import mailgun, sendgrid, ses, sns
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


PROVIDERS: Mapping[str, Provider] = MappingProxyType(
    {
        p.name: p
        for p in (
            Provider(ses.NAME, ses.authenticate, ses.well_formed, sns.handle_sns_control),
            Provider(mailgun.NAME, mailgun.authenticate, mailgun.well_formed),
            Provider(sendgrid.NAME, sendgrid.authenticate, sendgrid.well_formed),
        )
    }
)
