"""Helpers for the batch 2 provider-auth tests: fixture requests and settings."""

from __future__ import annotations

from typing import Any

from multidict import CIMultiDict

from services.ingest.providers.base import WebhookRequest
from shared.settings import Settings
from tests.provider_fixtures import fixture_json, fixture_request


def make_settings(**values: Any) -> Settings:
    """Settings from these values only (no environment, no .env)."""
    return Settings(_env_file=None, **values)


def request(
    body: bytes,
    headers: dict[str, str],
    *,
    now: float = 0.0,
    basic_ok: bool = False,
) -> WebhookRequest:
    h = CIMultiDict(headers)
    media = h.get("Content-Type", "application/json").split(";")[0].strip().lower()
    return WebhookRequest("https://bf.example/hook", h, media, body, now, basic_ok)


def fixture(
    provider: str, name: str, *, now: float = 0.0, basic_ok: bool = False
) -> WebhookRequest:
    """The fixture as the ingest sees it."""
    body, headers = fixture_request(provider, name)
    return request(body, headers, now=now, basic_ok=basic_ok)


def signing_key(provider: str, name: str) -> str:
    """The test key the fixture was signed with (its `verification.key`)."""
    return str(fixture_json(provider, name)["verification"]["key"])
