"""Helpers for the JSON-event providers of issue 10 (Postmark, SparkPost, Mailjet, Brevo,
Mandrill): one object or a batch of them, content-hash keys, mixed timestamp forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import orjson

from services.processor.parsers._common import (
    ParseError,
    from_epoch,
    from_iso,
    loads,
    sha256_hex,
    text,
)

_EPOCH: Final = frozenset("0123456789.")


def json_events(body: bytes | str, provider: str) -> list[dict[str, Any]]:
    """The events of a JSON body that is one object or an array of objects.

    A non-object element fails the whole batch (ParseError): nothing is dropped
    silently, the message is dead-lettered with the reason."""
    doc = loads(body, f"{provider}: body")
    items = doc if isinstance(doc, list) else [doc]
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ParseError(f"{provider}: event #{i} is not a JSON object")
    return items


def content_key(provider: str, item: object) -> str:
    """`<provider>:sha256:<hex>` of the event's canonical JSON: a stable identity for
    events without an id (a provider retry sends the same content)."""
    try:
        dumped = orjson.dumps(item, option=orjson.OPT_SORT_KEYS)
    except TypeError as exc:  # pragma: no cover - parsed JSON always serialises
        raise ParseError(f"{provider}: event cannot be hashed ({exc})") from None
    return f"{provider}:sha256:{sha256_hex(dumped)}"


def when(value: object, what: str) -> datetime:
    """Epoch seconds or milliseconds (number or digit string), or an ISO 8601 string."""
    if isinstance(value, str) and value.strip() and set(value.strip()) <= _EPOCH:
        return from_epoch(value, what)
    if isinstance(value, str):
        return from_iso(value, what)
    return from_epoch(value, what)


def dict_or_empty(value: object) -> dict[str, Any]:
    """`value` when it is a JSON object, else {} (optional metadata blocks)."""
    return value if isinstance(value, dict) else {}


def json_dict(value: object) -> dict[str, Any]:
    """A JSON object held in a string (Mailjet `Payload`, Brevo `X-Mailin-custom`), or {}.

    Only metadata: an unreadable value is ignored, never an error."""
    if isinstance(value, dict):
        return value
    s = text(value)
    if not s or not s.startswith("{"):
        return {}
    try:
        doc = orjson.loads(s)
    except orjson.JSONDecodeError:
        return {}
    return doc if isinstance(doc, dict) else {}
