"""Postal: one JSON event per POST, `{"event", "timestamp", "payload", "uuid"}`.

Message status events (MessageSent, MessageDelayed, MessageDeliveryFailed, MessageHeld)
carry `payload.message` and `status`/`details`/`output`; MessageBounced carries
`payload.original_message` and `payload.bounce` (the incoming DSN, no SMTP text).
Events about incoming mail (`direction: "incoming"`) are not ours. Dedup: `uuid`,
Postal's webhook request id (kept across retries), else a content hash.
"""

from __future__ import annotations

from typing import Any, Final

import orjson

from services.processor.parsers._common import (
    DEFAULT_KEYS,
    MetadataKeys,
    ParseError,
    address_of,
    event,
    first_domain,
    from_epoch,
    sha256_hex,
    strip_angle,
    text,
)
from services.processor.parsers._envelope import read_envelope
from shared.classification import classify
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import RawEvent

_SUPPRESSED: Final = "suppression list"


def parse(raw: RawEvent, keys: MetadataKeys = DEFAULT_KEYS) -> list[CanonicalEvent]:
    """Canonical events of one Postal webhook POST (zero or one)."""
    envelope = read_envelope(
        raw, Source.POSTAL, type_key="event", data_key="payload", always_read={"messageheld"}
    )
    if envelope is None:
        return []
    name, category, payload, doc = envelope.name, envelope.category, envelope.data, envelope.doc
    message = payload.get("original_message") or payload.get("message")
    if not isinstance(message, dict):
        raise ParseError(f"postal: {name} without a message object")
    if (text(message.get("direction")) or "").lower() == "incoming":
        return []
    c = classify(
        Source.POSTAL,
        category,
        _qualifier(payload),
        diagnostic=text(payload.get("output")) or text(payload.get("details")),
        subtype=text(payload.get("status")),
    )
    if c.kind is EventKind.IGNORED:
        return []
    email = address_of(message.get("to"), f"postal: {name} event")
    uuid = text(doc.get("uuid"))
    key = uuid or f"sha256:{sha256_hex(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS))}"
    when = payload.get("timestamp") or doc.get("timestamp")
    return [
        event(
            source=Source.POSTAL,
            dedup_key=f"postal:{key}",
            email=email,
            occurred_at=raw.received_at if when is None else from_epoch(when, "postal"),
            c=c,
            provider_message_id=strip_angle(message.get("message_id")),
            campaign_name=text(message.get("tag")),
            subscriber_name=None,
            sending_domain=first_domain(message.get("from")),  # Postal has no metadata
        )
    ]


def _qualifier(payload: dict[str, Any]) -> str:
    status = (text(payload.get("status")) or "").lower()
    details = (text(payload.get("details")) or "").lower()
    if status == "held" and _SUPPRESSED in details:
        return "suppressed"
    return status
