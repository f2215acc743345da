"""Real provider webhook payloads (tests/fixtures/providers) as requests and RawEvents.

Each fixture file is one HTTP POST: `content_type`, `headers`, `body` (a JSON
value, or a string for form bodies) and sometimes `raw_body` (the exact bytes,
which then win). See tests/fixtures/providers/README.md.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from shared.raw import FORWARDED_HEADERS, RawEvent

FIXTURES = Path(__file__).parent / "fixtures" / "providers"
PROVIDERS = ("ses", "mailgun", "sendgrid")
# Fixed, so that parsing a fixture is deterministic.
RECEIVED_AT = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def fixture_names(provider: str) -> list[str]:
    """Names (file stems) of all fixtures of `provider`, sorted."""
    return sorted(p.stem for p in (FIXTURES / provider).glob("*.json"))


@cache
def _read(provider: str, name: str) -> str:
    return (FIXTURES / provider / f"{name}.json").read_text(encoding="utf-8")


def fixture_json(provider: str, name: str) -> dict[str, Any]:
    """The fixture file itself (a fresh copy: callers may mutate it)."""
    doc: dict[str, Any] = json.loads(_read(provider, name))
    return doc


def _body(doc: dict[str, Any]) -> bytes:
    if "raw_body" in doc:
        return str(doc["raw_body"]).encode("utf-8")
    body = doc["body"]
    if isinstance(body, str):  # a form body
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")


def fixture_request(provider: str, name: str) -> tuple[bytes, dict[str, str]]:
    """Exact body bytes and the HTTP headers (original case) to POST this fixture."""
    doc = fixture_json(provider, name)
    headers = {str(k): str(v) for k, v in doc.get("headers", {}).items()}
    if not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = doc["content_type"]
    return _body(doc), headers


def load_fixture(provider: str, name: str) -> tuple[RawEvent, dict[str, Any]]:
    """The fixture as the processor receives it (a RawEvent), and the fixture JSON."""
    doc = fixture_json(provider, name)
    body, headers = fixture_request(provider, name)
    forwarded = {k.lower(): v for k, v in headers.items() if k.lower() in FORWARDED_HEADERS}
    forwarded["content-type"] = doc["content_type"]
    raw = RawEvent(f"fixture:{provider}:{name}", provider, body, RECEIVED_AT, forwarded)
    return raw, doc
