"""Brevo (formerly Sendinblue) transactional webhooks: one JSON object per POST, or an
array of them when the webhook is `batched`.

There is no event id (`id` is the webhook's id): an event is identified by message,
event, recipient and time; without a message-id, by its content. Times: `ts_epoch`
(milliseconds, sometimes seconds), `ts_event` / `ts` (seconds), `s_epoch` (proxy
opens); `date` is account-local time and never read. `reason` may start with a space
or with "undefined". Metadata: `X-Mailin-custom` (a JSON string) and `tags` / `tag`.
"""

from __future__ import annotations

import re
from typing import Any, Final

import orjson

from services.processor.parsers._batch import content_key, json_dict, json_events, when
from services.processor.parsers._common import (
    DEFAULT_KEYS,
    MetadataKeys,
    address_of,
    event,
    first_domain,
    first_text,
    metadata_of,
    strip_angle,
    text,
)
from shared.classification import classify
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import RawEvent

_TIME_FIELDS: Final = ("ts_epoch", "ts_event", "ts", "s_epoch")
_CAMEL: Final = re.compile(r"(?<=[a-z])(?=[A-Z])")
_UNDEFINED: Final = re.compile(r"^\s*undefined\b\s*", re.IGNORECASE)
# What a `blocked` reason says about why the contact is blocklisted.
_BLOCKED_WHY: Final = (
    ("hard-bounce", re.compile(r"hard[ _-]?bounce|bounced", re.IGNORECASE)),
    ("invalid", re.compile(r"invalid", re.IGNORECASE)),
    ("spam", re.compile(r"spam|complain", re.IGNORECASE)),
)


def parse(raw: RawEvent, keys: MetadataKeys = DEFAULT_KEYS) -> list[CanonicalEvent]:
    """Canonical events of one Brevo POST (one event, or a batched array)."""
    out: list[CanonicalEvent] = []
    for i, item in enumerate(json_events(raw.body, "brevo")):
        parsed = _event(item, i, raw, keys)
        if parsed is not None:
            out.append(parsed)
    return out


def _blocked_qualifier(reason: str | None) -> str:
    for name, pattern in _BLOCKED_WHY:
        if reason and pattern.search(reason):
            return name
    return "other"


def _tag(item: dict[str, Any]) -> str | None:
    tags = first_text(item.get("tags"))
    if tags:
        return tags
    tag = item.get("tag")
    if isinstance(tag, str) and tag.strip().startswith("["):  # '["tag1","tag2"]'
        try:
            tag = orjson.loads(tag)
        except orjson.JSONDecodeError:
            pass
    return first_text(tag)


def _event(
    item: dict[str, Any], i: int, raw: RawEvent, keys: MetadataKeys
) -> CanonicalEvent | None:
    # "hard_bounce"; the API's camelCase ("hardBounce") is read the same
    name = _CAMEL.sub("_", text(item.get("event")) or "").lower()
    what = f"brevo: {name or 'unnamed'} event #{i}"
    reason = text(item.get("reason"))
    reason = text(_UNDEFINED.sub("", reason)) if reason else None
    c = classify(
        Source.BREVO,
        name,
        _blocked_qualifier(reason) if name == "blocked" else "",
        diagnostic=reason,
        subtype=name,
    )
    if c.kind is EventKind.IGNORED:
        return None
    email = address_of(item.get("email"), what)
    stamp = next((item[f] for f in _TIME_FIELDS if item.get(f) is not None), None)
    message_id = strip_angle(item.get("message-id"))
    if message_id:
        key = f"brevo:{message_id}:{name}:{email}:{text(stamp) or '-'}"
    else:
        key = content_key("brevo", item)
    custom = json_dict(item.get("X-Mailin-custom"))
    meta = metadata_of(custom, keys)
    return event(
        source=Source.BREVO,
        dedup_key=key,
        email=email,
        occurred_at=raw.received_at if stamp is None else when(stamp, what),
        c=c,
        provider_message_id=message_id,
        campaign_name=meta.campaign or _tag(item),
        subscriber_name=meta.subscriber_name,
        # Brevo's events name no sender: only X-Mailin-custom can
        sending_domain=first_domain(meta.sending_domain),
    )
