"""SendGrid Event Webhook: a JSON array (batch) of events.

A malformed element fails the whole batch (ParseError, so the message is
dead-lettered with the reason): nothing is dropped silently. Only elements whose
event matters are checked in depth; opens, clicks and the like are skipped fast.
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
    first_text,
    from_epoch,
    loads,
    metadata_of,
    sha256_hex,
    text,
)
from shared.classification import Verdict, classify, lookup
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import RawEvent

# The field that qualifies an event in the classification table.
_QUALIFIER_FIELD: Final = {"bounce": "type", "dropped": "reason"}


def parse(raw: RawEvent, keys: MetadataKeys = DEFAULT_KEYS) -> list[CanonicalEvent]:
    """Canonical events of one SendGrid batch, in batch order."""
    batch = loads(raw.body, "sendgrid: body")
    if not isinstance(batch, list):
        raise ParseError("sendgrid: body is not a JSON array of events")
    out: list[CanonicalEvent] = []
    for i, item in enumerate(batch):
        if not isinstance(item, dict):
            raise ParseError(f"sendgrid: batch element #{i} is not an object")
        name = item.get("event")
        if not isinstance(name, str) or not name.strip():
            raise ParseError(f"sendgrid: batch element #{i} has no event name")
        category = name.strip().lower()
        field = _QUALIFIER_FIELD.get(category)
        qualifier = (text(item.get(field)) or "").lower() if field else ""
        if lookup(Source.SENDGRID, category, qualifier).verdict is Verdict.IGNORED:
            continue
        parsed = _event(item, i, category, qualifier, raw, keys)
        if parsed is not None:
            out.append(parsed)
    return out


def _event(
    item: dict[str, Any],
    i: int,
    category: str,
    qualifier: str,
    raw: RawEvent,
    keys: MetadataKeys,
) -> CanonicalEvent | None:
    what = f"sendgrid: {category} event #{i}"
    c = classify(
        Source.SENDGRID,
        category,
        qualifier,
        status=text(item.get("status")),
        diagnostic=text(item.get("reason")) or text(item.get("response")),
        subtype=text(item.get(_QUALIFIER_FIELD.get(category, ""))),
    )
    if c.kind is EventKind.IGNORED:
        return None
    email = address_of(item.get("email"), what)
    stamp = item.get("timestamp")
    occurred_at = raw.received_at if stamp is None else from_epoch(stamp, what)
    message_id = text(item.get("sg_message_id"))
    event_id = text(item.get("sg_event_id"))
    if event_id:
        key = f"sendgrid:{event_id}"
    elif stamp is not None:
        seconds = int(occurred_at.timestamp())
        key = f"sendgrid:{message_id or '-'}:{category}:{email}:{seconds}"
    else:  # neither id nor time: the element's content is its identity
        key = f"sendgrid:sha256:{sha256_hex(orjson.dumps(item, option=orjson.OPT_SORT_KEYS))}"
    meta = metadata_of(item, keys)
    return event(
        source=Source.SENDGRID,
        dedup_key=key,
        email=email,
        occurred_at=occurred_at,
        c=c,
        provider_message_id=message_id,
        campaign_name=meta.campaign or first_text(item.get("category")),
        subscriber_name=meta.subscriber_name,
        # the Event Webhook names no sender: only custom args can
        sending_domain=first_domain(meta.sending_domain),
    )
