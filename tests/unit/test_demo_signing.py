"""`make demo`'s requests pass the ingest's own checks: every signed sample by its
signature alone (no basic auth), every other one by the demo's basic auth."""

from __future__ import annotations

import time

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from demo.keys import DemoKeys
from demo.scenario import EXPECTED_STATUS, requests
from demo.signing import BASIC
from services.ingest.providers.base import Verdict, WebhookRequest
from services.ingest.providers.checks import check_basic
from services.ingest.providers.registry import PROVIDERS
from shared.settings import Settings

BASE = "http://127.0.0.1:8080"


@pytest.fixture(scope="module")
def keys() -> DemoKeys:
    return DemoKeys()


def _settings(keys: DemoKeys, *, basic: bool) -> Settings:
    env = keys.settings(BASE)
    if basic:
        env["BOUNCEFLOW_WEBHOOK_BASIC_AUTH"] = ":".join(BASIC)
    return Settings.model_validate(
        {k.removeprefix("BOUNCEFLOW_").lower(): v for k, v in env.items()}
    )


def test_every_provider_has_a_sample(keys: DemoKeys) -> None:
    assert {r.provider for r in requests(keys, BASE)} == set(PROVIDERS)
    assert len(EXPECTED_STATUS) == len(set(EXPECTED_STATUS))


def test_each_request_passes_the_ingest_checks(keys: DemoKeys) -> None:
    for req in requests(keys, BASE):
        signed = req.auth == "signed"
        # a signed request must pass with no basic auth configured at all
        settings = _settings(keys, basic=not signed)
        headers = CIMultiDictProxy(CIMultiDict(req.headers))
        webhook = WebhookRequest(
            url=f"{BASE}/api/v1/webhooks/{req.provider}",
            headers=headers,
            content_type=headers["Content-Type"].split(";")[0].strip().lower(),
            body=req.body,
            now=time.time(),
            basic_ok=check_basic(headers.get("Authorization"), settings.basic_auth_pair),
        )
        provider = PROVIDERS[req.provider]
        if req.provider == "ses":  # SNS raw delivery or an unsigned envelope: basic auth
            assert webhook.basic_ok, req.label
            continue
        verdict = provider.authenticate(webhook, settings)
        assert isinstance(verdict, Verdict), req.label
        assert verdict.ok, (req.label, verdict.reason)
        assert provider.well_formed(webhook) is None, req.label
