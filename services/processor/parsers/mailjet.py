"""Mailjet Event API: one bare JSON object, or (with "group events") an array of them.

There is no event id. `MessageID` is an integer above 2**53: orjson reads it as an
exact Python int and it is only ever turned into a string, never a float. An event
is identified by message, event, recipient and time (`time`, epoch seconds); without
a MessageID, by its content. Bounce and blocked events carry `error_related_to` /
`error` (Mailjet's "Possible values for errors" table) and, for bounces,
`hard_bounce` and sometimes `comment` (the SMTP text).
"""

from __future__ import annotations

from typing import Any

from services.processor.parsers._batch import content_key, json_dict, json_events
from services.processor.parsers._common import (
    DEFAULT_KEYS,
    MetadataKeys,
    address_of,
    event,
    first_domain,
    from_epoch,
    metadata_of,
    text,
)
from shared.classification import classify
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import RawEvent


def parse(raw: RawEvent, keys: MetadataKeys = DEFAULT_KEYS) -> list[CanonicalEvent]:
    """Canonical events of one Mailjet POST (a bare event or a grouped array)."""
    out: list[CanonicalEvent] = []
    for i, item in enumerate(json_events(raw.body, "mailjet")):
        parsed = _event(item, i, raw, keys)
        if parsed is not None:
            out.append(parsed)
    return out


def _qualifier(name: str, item: dict[str, Any]) -> str:
    if name == "bounce":
        flag = item.get("hard_bounce")
        return {True: "hard", False: "soft"}.get(flag, "") if isinstance(flag, bool) else ""
    if name == "blocked":
        related = (text(item.get("error_related_to")) or "").lower()
        return f"{related}/{(text(item.get('error')) or '').lower()}"
    return ""


def _event(
    item: dict[str, Any], i: int, raw: RawEvent, keys: MetadataKeys
) -> CanonicalEvent | None:
    name = (text(item.get("event")) or "").lower()
    what = f"mailjet: {name or 'unnamed'} event #{i}"
    error = text(item.get("error"))
    c = classify(
        Source.MAILJET,
        name,
        _qualifier(name, item),
        diagnostic=text(item.get("comment")) or text(item.get("smtp_reply")),
        subtype=error,
    )
    if c.kind is EventKind.IGNORED:
        return None
    email = address_of(item.get("email"), what)
    message_id = text(item.get("MessageID")) or text(item.get("mj_message_id"))
    stamp = item.get("time")
    if message_id:
        key = f"mailjet:{message_id}:{name}:{email}:{text(stamp) or '-'}"
    else:
        key = content_key("mailjet", item)
    payload = json_dict(item.get("Payload"))
    meta = metadata_of(payload, keys)
    return event(
        source=Source.MAILJET,
        dedup_key=key,
        email=email,
        occurred_at=raw.received_at if stamp is None else from_epoch(stamp, what),
        c=c,
        provider_message_id=message_id,
        campaign_name=meta.campaign or text(item.get("customcampaign")),
        subscriber_name=meta.subscriber_name,
        # Mailjet's events name no sender: only the event Payload can
        sending_domain=first_domain(meta.sending_domain),
    )
