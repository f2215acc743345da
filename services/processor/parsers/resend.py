"""Resend: one Svix-signed JSON event per POST, `{"type", "created_at", "data"}`.

The recipient is `data.to[0]` (Resend sends one email per recipient list; its events
name no single recipient, and anymail reads the first). Dedup: Resend's body carries no
event id (the Svix `svix-id` header is one, but is not forwarded to the processor), so
the key is built from the body: `resend:<email_id>:<type>:<recipient>` -- one event of a
type per email and recipient -- or a content hash where `email_id` is missing.
"""

from __future__ import annotations

import orjson

from services.processor.parsers._common import (
    DEFAULT_KEYS,
    MetadataKeys,
    address_of,
    event,
    first_domain,
    from_iso,
    metadata_of,
    sha256_hex,
    strip_angle,
    text,
)
from services.processor.parsers._envelope import read_envelope
from shared.classification import classify
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import RawEvent


def parse(raw: RawEvent, keys: MetadataKeys = DEFAULT_KEYS) -> list[CanonicalEvent]:
    """Canonical events of one Resend webhook POST (zero or one)."""
    envelope = read_envelope(raw, Source.RESEND)
    if envelope is None:
        return []
    name, category, data, doc = envelope.name, envelope.category, envelope.data, envelope.doc
    detail = data.get("bounce") or data.get("suppressed")
    if not isinstance(detail, dict):
        detail = {}
    bounce_type = (text(detail.get("type")) or "").lower()
    sub_type = text(detail.get("subType"))
    c = classify(
        Source.RESEND,
        category,
        f"{bounce_type}/{(sub_type or '').lower()}" if bounce_type else "",
        diagnostic=_diagnostic(detail),
        subtype=sub_type or text(detail.get("type")),
    )
    if c.kind is EventKind.IGNORED:
        return []
    to = data.get("to")
    first = to[0] if isinstance(to, list) and to else to
    email = address_of(first, f"resend: {name} event")
    email_id = text(data.get("email_id"))
    if email_id:
        key = f"resend:{email_id}:{category}:{email}"
    else:
        key = f"resend:sha256:{sha256_hex(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS))}"
    when = doc.get("created_at") or data.get("created_at")
    tags = data.get("tags")
    if not isinstance(tags, dict):
        tags = {}
    meta = metadata_of(tags, keys)
    return [
        event(
            source=Source.RESEND,
            dedup_key=key,
            email=email,
            occurred_at=raw.received_at if when is None else from_iso(when, "resend"),
            c=c,
            provider_message_id=strip_angle(data.get("message_id")) or email_id,
            campaign_name=meta.campaign or text(tags.get("category")),
            subscriber_name=meta.subscriber_name,
            sending_domain=first_domain(data.get("from"), meta.sending_domain),
        )
    ]


def _diagnostic(detail: dict[str, object]) -> str | None:
    """SMTP text: `diagnosticCode` (documented as an array, seen as a string), else message."""
    code = detail.get("diagnosticCode")
    if isinstance(code, list):
        code = "; ".join(t for t in map(text, code) if t)
    return text(code) or text(detail.get("message"))
