"""Mandrill (Mailchimp Transactional) webhooks: a form post
(`application/x-www-form-urlencoded`) whose one field, `mandrill_events`, holds a JSON
array of up to 1,000 events.

Message events are `{event, msg, _id, ts}`; sync events (denylist / allowlist
changes) are `{type, action, reject}`. `_id` is the message id (one per recipient),
not an event id: a message event is identified by message, event, recipient and
`ts`; a sync event by its content. `mandrill_events=[]` is the webhook test post.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import parse_qsl

from services.processor.parsers._batch import content_key, dict_or_empty, when
from services.processor.parsers._common import (
    DEFAULT_KEYS,
    MetadataKeys,
    ParseError,
    address_of,
    event,
    first_domain,
    first_text,
    from_epoch,
    loads,
    metadata_of,
    text,
)
from shared.classification import classify
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import RawEvent

FIELD: Final = "mandrill_events"


def events_field(body: bytes) -> str:
    """The `mandrill_events` value of a form body; ParseError when there is none."""
    try:
        decoded = body.decode()
    except UnicodeDecodeError:
        raise ParseError("mandrill: form body is not UTF-8") from None
    for name, value in parse_qsl(decoded, keep_blank_values=True):
        if name == FIELD:
            return value
    raise ParseError("mandrill: form body without a mandrill_events field")


def parse(raw: RawEvent, keys: MetadataKeys = DEFAULT_KEYS) -> list[CanonicalEvent]:
    """Canonical events of one Mandrill webhook batch, in batch order."""
    batch = loads(events_field(raw.body), "mandrill: mandrill_events")
    if not isinstance(batch, list):
        raise ParseError("mandrill: mandrill_events is not a JSON array")
    out: list[CanonicalEvent] = []
    for i, item in enumerate(batch):
        if not isinstance(item, dict):
            raise ParseError(f"mandrill: event #{i} is not a JSON object")
        parsed = _message_event(item, i, raw, keys) if "event" in item else _sync(item, i, raw)
        if parsed is not None:
            out.append(parsed)
    return out


def _reject_reason(item: dict[str, Any], msg: dict[str, Any]) -> str:
    for holder in (item, msg):
        reject = holder.get("reject")
        if isinstance(reject, dict) and (reason := text(reject.get("reason"))):
            return reason.lower()
    return (text(msg.get("reject_reason")) or "").lower()


def _message_event(
    item: dict[str, Any], i: int, raw: RawEvent, keys: MetadataKeys
) -> CanonicalEvent | None:
    name = (text(item.get("event")) or "").lower()
    msg = dict_or_empty(item.get("msg"))
    what = f"mandrill: {name or 'unnamed'} event #{i}"
    description = text(msg.get("bounce_description"))
    qualifier = _reject_reason(item, msg) if name == "reject" else (description or "").lower()
    c = classify(
        Source.MANDRILL,
        name,
        qualifier,
        diagnostic=text(msg.get("diag")),
        subtype=description or qualifier or None,
    )
    if c.kind is EventKind.IGNORED:
        return None
    email = address_of(msg.get("email"), what)
    message_id = text(item.get("_id")) or text(msg.get("_id"))
    stamp = item.get("ts") if item.get("ts") is not None else msg.get("ts")
    if message_id:
        key = f"mandrill:{message_id}:{name}:{email}:{text(stamp) or '-'}"
    else:
        key = content_key("mandrill", item)
    metadata = dict_or_empty(msg.get("metadata"))
    meta = metadata_of(metadata, keys)
    return event(
        source=Source.MANDRILL,
        dedup_key=key,
        email=email,
        occurred_at=raw.received_at if stamp is None else from_epoch(stamp, what),
        c=c,
        provider_message_id=message_id,
        campaign_name=meta.campaign or first_text(msg.get("tags")),
        subscriber_name=meta.subscriber_name,
        sending_domain=first_domain(msg.get("sender"), meta.sending_domain),
    )


def _sync(item: dict[str, Any], i: int, raw: RawEvent) -> CanonicalEvent | None:
    kind = (text(item.get("type")) or "").lower()
    reject = dict_or_empty(item.get("reject"))
    reason = (text(reject.get("reason")) or "").lower()
    action = (text(item.get("action")) or "").lower()
    c = classify(
        Source.MANDRILL,
        kind,
        f"{action}/{reason}",
        diagnostic=text(reject.get("detail")),
        subtype=f"{kind} {action}: {reason}",
    )
    if c.kind is EventKind.IGNORED:
        return None
    what = f"mandrill: {kind} sync event #{i}"
    email = address_of(reject.get("email"), what)
    stamp = text(reject.get("last_event_at")) or text(reject.get("created_at"))
    return event(
        source=Source.MANDRILL,
        dedup_key=content_key("mandrill", item),
        email=email,
        # Mandrill writes "2013-01-01 12:30:00" (UTC, no zone), read as UTC
        occurred_at=raw.received_at if stamp is None else when(stamp, what),
        c=c,
        provider_message_id=None,
        campaign_name=None,
        subscriber_name=None,
        sending_domain=None,  # a denylist change names no message
    )
