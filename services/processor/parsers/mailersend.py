"""MailerSend: one JSON event per POST, `{"type": "activity.<x>", "created_at", "data"}`.

Webhooks 1.0 ("fat"): recipient `data.email.recipient.email`, message id
`data.email.message.id`; the lighter 2.0 payload's `data.message_id` / `data.recipient`
are read too. Bounce text is only in `data.morph.reason` (no SMTP code).
Dedup: `data.id`, MailerSend's activity id, with the type (anymail's samples reuse one
id for two types), else a content hash.
"""

from __future__ import annotations

from typing import Any

import orjson

from services.processor.parsers._common import (
    DEFAULT_KEYS,
    MetadataKeys,
    address_of,
    event,
    first_domain,
    first_text,
    from_iso,
    sha256_hex,
    text,
)
from services.processor.parsers._envelope import read_envelope
from shared.classification import classify
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import RawEvent


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse(raw: RawEvent, keys: MetadataKeys = DEFAULT_KEYS) -> list[CanonicalEvent]:
    """Canonical events of one MailerSend webhook POST (zero or one)."""
    envelope = read_envelope(raw, Source.MAILERSEND)
    if envelope is None:
        return []
    name, category, data, doc = envelope.name, envelope.category, envelope.data, envelope.doc
    morph = _dict(data.get("morph"))
    reason = text(morph.get("reason"))
    c = classify(
        Source.MAILERSEND,
        category,
        diagnostic=text(morph.get("readable_reason")) or reason,
        subtype=reason,
    )
    if c.kind is EventKind.IGNORED:
        return []
    mail = _dict(data.get("email"))
    recipient = _dict(mail.get("recipient")).get("email") or data.get("recipient")
    if isinstance(recipient, dict):  # webhooks 2.0 may nest it; read it either way
        recipient = recipient.get("email")
    email = address_of(recipient, f"mailersend: {name} event")
    activity_id = text(data.get("id"))
    if activity_id:
        key = f"mailersend:{activity_id}:{category}"
    else:
        key = f"mailersend:sha256:{sha256_hex(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS))}"
    when = data.get("created_at") or doc.get("created_at")
    message_id = text(_dict(mail.get("message")).get("id")) or text(data.get("message_id"))
    return [
        event(
            source=Source.MAILERSEND,
            dedup_key=key,
            email=email,
            occurred_at=raw.received_at if when is None else from_iso(when, "mailersend"),
            c=c,
            provider_message_id=message_id,
            campaign_name=first_text(mail.get("tags")),
            subscriber_name=None,
            # webhooks 1.0 `data.email.from`; MailerSend has no key/value metadata
            sending_domain=first_domain(mail.get("from")),
        )
    ]
