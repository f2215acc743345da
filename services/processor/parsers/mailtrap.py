"""Mailtrap: batches of up to 500 events, as JSON `{"events": [...]}`
(`application/json`) or JSON Lines, one event per line (`application/jsonl`).

Each event has `event` (delivery, open, click, unsubscribe, spam, soft bounce, bounce,
suspension, reject), `event_id` (the dedup key), `message_id`, `email`, `timestamp`
(epoch s); bounces add `response`, `response_code`, `bounce_category`; rejects a
`reason` ("Recipient in suppression list. Reason: unsubscription"). A malformed element
fails the whole batch (ParseError), as for SendGrid: nothing is dropped silently.
"""

from __future__ import annotations

import re
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
    loads,
    metadata_of,
    sha256_hex,
    text,
)
from shared.classification import Verdict, classify, lookup
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import RawEvent

_SUPPRESSED: Final = re.compile(r"suppression list\W+reason:\s*([\w -]+)", re.IGNORECASE)


def parse(raw: RawEvent, keys: MetadataKeys = DEFAULT_KEYS) -> list[CanonicalEvent]:
    """Canonical events of one Mailtrap batch, in batch order."""
    out: list[CanonicalEvent] = []
    for i, item in enumerate(_batch(raw.body)):
        if not isinstance(item, dict):
            raise ParseError(f"mailtrap: batch element #{i} is not an object")
        name = text(item.get("event"))
        if name is None:
            raise ParseError(f"mailtrap: batch element #{i} has no event name")
        category = name.lower().replace("_", " ")  # "soft bounce", also seen as soft_bounce
        if lookup(Source.MAILTRAP, category).verdict is Verdict.IGNORED and category != "reject":
            continue
        parsed = _event(item, i, category, raw, keys)
        if parsed is not None:
            out.append(parsed)
    return out


def _batch(body: bytes) -> list[Any]:
    """The events of a JSON `{"events": [...]}` body or of a JSON Lines body.

    Sniffed from the body, not the content type: both formats start with "{", and only
    a JSON document has an "events" list at the top."""
    stripped = body.strip()
    if not stripped:
        raise ParseError("mailtrap: empty body")
    try:
        doc = orjson.loads(stripped)
    except orjson.JSONDecodeError:
        doc = None  # more than one line: JSON Lines
    if isinstance(doc, dict) and "events" in doc:
        events = doc["events"]
        if not isinstance(events, list):
            raise ParseError("mailtrap: events is not a list")
        return events
    if doc is not None:
        return [doc]  # JSON Lines with a single event
    return [loads(line, f"mailtrap: line {n}") for n, line in _lines(stripped)]


def _lines(body: bytes) -> list[tuple[int, bytes]]:
    return [(n, line) for n, line in enumerate(body.splitlines(), 1) if line.strip()]


def _qualifier(category: str, item: dict[str, Any]) -> str:
    if category == "reject":
        m = _SUPPRESSED.search(text(item.get("reason")) or "")
        reason = " ".join(m[1].replace("_", " ").replace("-", " ").split()) if m else ""
        return f"suppressed/{reason.lower()}" if m else ""
    return (text(item.get("bounce_category")) or "").lower()


def _event(
    item: dict[str, Any], i: int, category: str, raw: RawEvent, keys: MetadataKeys
) -> CanonicalEvent | None:
    qualifier = _qualifier(category, item)
    c = classify(
        Source.MAILTRAP,
        category,
        qualifier,
        code=item.get("response_code"),
        diagnostic=text(item.get("response")) or text(item.get("reason")),
        subtype=text(item.get("bounce_category")) or (qualifier or None),
    )
    if c.kind is EventKind.IGNORED:
        return None
    what = f"mailtrap: {category} event #{i}"
    email = address_of(item.get("email"), what)
    event_id = text(item.get("event_id"))
    if event_id:
        key = f"mailtrap:{event_id}"
    else:
        key = f"mailtrap:sha256:{sha256_hex(orjson.dumps(item, option=orjson.OPT_SORT_KEYS))}"
    stamp = item.get("timestamp")
    variables = item.get("custom_variables")
    if not isinstance(variables, dict):
        variables = {}
    meta = metadata_of(variables, keys)
    return event(
        source=Source.MAILTRAP,
        dedup_key=key,
        email=email,
        occurred_at=raw.received_at if stamp is None else from_epoch(stamp, what),
        c=c,
        provider_message_id=text(item.get("message_id")),
        campaign_name=meta.campaign or text(item.get("category")),
        subscriber_name=meta.subscriber_name,
        sending_domain=first_domain(item.get("sending_domain_name"), meta.sending_domain),
    )
