"""bench/parse.py's cases for the providers of issue 10: each fixture authenticated the way
the ingest does it (the provider module's `authenticate`, over a request signed now with
the demo's signers and keys, or basic auth for the providers that do not sign)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from multidict import CIMultiDict, CIMultiDictProxy

from demo.keys import DemoKeys
from demo.processes import basic_auth
from demo.signing import BASIC, authenticate
from services.ingest.providers.base import Verdict, WebhookRequest
from services.ingest.providers.checks import check_basic
from services.ingest.providers.registry import PROVIDERS
from shared.raw import RawEvent
from shared.settings import Settings
from tests.provider_fixtures import RECEIVED_AT, fixture_names, load_fixture

URL = "https://bounceflow.example.com"  # BOUNCEFLOW_PUBLIC_URL: what Mandrill signs
UNSIGNED = ("postmark", "sparkpost", "mailjet", "brevo")  # basic auth
SIGNED = ("mandrill", "resend", "postal", "mailersend", "unisender_go", "mailtrap")


@dataclass(frozen=True, slots=True)
class Case:
    verify: Callable[[], bool]
    raw: RawEvent


@cache
def _keys_and_settings() -> tuple[DemoKeys, Settings]:
    keys = DemoKeys()
    env = {**keys.settings(URL), "BOUNCEFLOW_WEBHOOK_BASIC_AUTH": ":".join(BASIC)}
    fields = {name.removeprefix("BOUNCEFLOW_").lower(): value for name, value in env.items()}
    return keys, Settings.model_validate(fields)


def _case(provider: str, name: str) -> Case | None:
    """One fixture as a signed (or basic-auth) request; None when it cannot be signed."""
    keys, settings = _keys_and_settings()
    raw, doc = load_fixture(provider, name)
    url = f"{URL}/api/v1/webhooks/{provider}"
    try:
        body, extra, _ = authenticate(provider, raw.body, keys, url, int(time.time()))
    except ValueError:  # an Unisender Go body without its `auth` field
        return None
    headers = CIMultiDictProxy(CIMultiDict({**doc["headers"], **extra}))
    content_type = str(doc["content_type"]).split(";")[0].strip().lower()
    check = PROVIDERS[provider].authenticate
    auth_header = basic_auth(*BASIC) if provider in UNSIGNED else None

    def verify() -> bool:
        # what the route does: basic auth is checked first, then the provider's own check
        req = WebhookRequest(
            url, headers, content_type, body, time.time(),
            basic_ok=check_basic(auth_header, settings.basic_auth_pair),
        )  # fmt: skip
        verdict = check(req, settings)
        return isinstance(verdict, Verdict) and verdict.ok  # all of these are synchronous

    event = RawEvent(f"bench-{uuid.uuid4().hex}", provider, body, RECEIVED_AT, dict(raw.headers))
    return Case(verify, event)


def cases(provider: str) -> list[Case]:
    """Every fixture of `provider` that can be authenticated."""
    return [c for n in fixture_names(provider) if (c := _case(provider, n)) is not None]
