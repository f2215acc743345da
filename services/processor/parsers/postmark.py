"""Postmark webhooks: one JSON object per POST (`RecordType` Bounce, SpamComplaint,
Delivery, SubscriptionChange, Open, Click). An array is read as a batch all the same.

Examples on Postmark's own pages omit `RecordType`; the record is then told by its
fields (`Type` + `BouncedAt` is a bounce, `DeliveredAt` a delivery). Bounce details:
`Type` (HardBounce, SoftBounce, Transient, DnsError, ...; the table is in
shared/classification_rules.py), the SMTP text in `Details`. `ID` (the bounce id) is
the only event id Postmark sends; other records are keyed by message, recipient and time.
"""

from __future__ import annotations

from typing import Any

from services.processor.parsers._batch import content_key, dict_or_empty, json_events, when
from services.processor.parsers._common import (
    DEFAULT_KEYS,
    MetadataKeys,
    ParseError,
    address_of,
    event,
    first_domain,
    metadata_of,
    text,
)
from shared.classification import classify
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import RawEvent

_TIME_FIELDS = ("BouncedAt", "DeliveredAt", "ChangedAt", "ReceivedAt")


def parse(raw: RawEvent, keys: MetadataKeys = DEFAULT_KEYS) -> list[CanonicalEvent]:
    """Canonical events of one Postmark webhook POST."""
    out: list[CanonicalEvent] = []
    for i, item in enumerate(json_events(raw.body, "postmark")):
        parsed = _record(item, i, raw, keys)
        if parsed is not None:
            out.append(parsed)
    return out


def _record_type(item: dict[str, Any], i: int) -> str:
    named = text(item.get("RecordType"))
    if named:
        return named.lower()
    if "BouncedAt" in item and "Type" in item:  # Postmark's docs bounce example
        return "spamcomplaint" if text(item.get("Type")) == "SpamComplaint" else "bounce"
    if "DeliveredAt" in item:  # Postmark support article's delivery example
        return "delivery"
    if "SuppressSending" in item:
        return "subscriptionchange"
    raise ParseError(f"postmark: record #{i} has no RecordType and no known shape")


def _qualifier(category: str, item: dict[str, Any]) -> str:
    if category == "bounce":
        return (text(item.get("Type")) or "").lower()
    if category == "subscriptionchange":
        action = "suppress" if item.get("SuppressSending") is True else "reactivate"
        return f"{action}/{(text(item.get('SuppressionReason')) or '').lower()}"
    return ""


def _record(
    item: dict[str, Any], i: int, raw: RawEvent, keys: MetadataKeys
) -> CanonicalEvent | None:
    category = _record_type(item, i)
    what = f"postmark: {category} record #{i}"
    subtype = text(item.get("Type")) if category == "bounce" else None
    if category == "subscriptionchange":
        subtype = text(item.get("SuppressionReason"))
    c = classify(
        Source.POSTMARK,
        category,
        _qualifier(category, item),
        diagnostic=text(item.get("Details")),
        subtype=subtype,
    )
    if c.kind is EventKind.IGNORED:
        return None
    email = address_of(item.get("Email") or item.get("Recipient"), what)
    stamp = next((item[f] for f in _TIME_FIELDS if item.get(f) is not None), None)
    message_id = text(item.get("MessageID"))
    bounce_id = text(item.get("ID"))
    if bounce_id and category in ("bounce", "spamcomplaint"):
        key = f"postmark:{category}:{bounce_id}"
    elif message_id:
        key = f"postmark:{category}:{message_id}:{email}:{text(stamp) or '-'}"
    else:
        key = content_key("postmark", item)
    metadata = dict_or_empty(item.get("Metadata"))
    meta = metadata_of(metadata, keys)
    return event(
        source=Source.POSTMARK,
        dedup_key=key,
        email=email,
        occurred_at=raw.received_at if stamp is None else when(stamp, what),
        c=c,
        provider_message_id=message_id,
        campaign_name=meta.campaign or text(item.get("Tag")),
        subscriber_name=meta.subscriber_name,
        # `From` on Bounce and SpamComplaint records; Delivery and others name no sender
        sending_domain=first_domain(item.get("From"), meta.sending_domain),
    )
