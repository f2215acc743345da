"""Unisender Go: JSON, either a batch `{"auth", "events_by_user": [{"events": [...]}]}`
of `{"event_name", "event_data"}` items, or (the "use single event" option) one flat
event object with `event_name`, `status`, `email`, ... and `auth`.

Only `transactional_email_status` events concern an address (`transactional_spam_block`
is about a sending IP). There is no event id (the `ID` request header changes per
attempt), so the dedup key is a hash of the event's own content (`auth` excluded: it
signs the whole body, so it differs between a batch and a single post of one event).
`event_time` is UTC ("2024-09-06 23:22:40").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

import orjson

from services.processor.parsers._common import (
    DEFAULT_KEYS,
    MetadataKeys,
    ParseError,
    address_of,
    event,
    first_domain,
    from_iso,
    loads,
    metadata_of,
    sha256_hex,
    text,
)
from shared.classification import Verdict, classify, lookup
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import RawEvent

_STATUS_EVENT: Final = "transactional_email_status"
_SKIP: Final = frozenset({"auth", "event_name", "user_id", "project_id", "project_name"})


def parse(raw: RawEvent, keys: MetadataKeys = DEFAULT_KEYS) -> list[CanonicalEvent]:
    """Canonical events of one Unisender Go callback, in body order."""
    doc = loads(raw.body, "unisender_go: body")
    if not isinstance(doc, dict):
        raise ParseError("unisender_go: body is not a JSON object")
    out: list[CanonicalEvent] = []
    for i, (name, data) in enumerate(_events(doc)):
        if name != _STATUS_EVENT:
            continue
        parsed = _event(data, i, raw, keys)
        if parsed is not None:
            out.append(parsed)
    return out


def _events(doc: dict[str, Any]) -> Iterator[tuple[str | None, dict[str, Any]]]:
    if "events_by_user" not in doc:
        yield text(doc.get("event_name")), doc
        return
    users = doc["events_by_user"]
    if not isinstance(users, list):
        raise ParseError("unisender_go: events_by_user is not a list")
    for user in users:
        events = user.get("events") if isinstance(user, dict) else None
        if not isinstance(events, list):
            raise ParseError("unisender_go: events_by_user item without an events list")
        for item in events:
            data = item.get("event_data") if isinstance(item, dict) else None
            if not isinstance(data, dict):
                raise ParseError("unisender_go: event without an event_data object")
            yield text(item.get("event_name")), data


def _event(
    data: dict[str, Any], i: int, raw: RawEvent, keys: MetadataKeys
) -> CanonicalEvent | None:
    status = (text(data.get("status")) or "").lower()
    if lookup(Source.UNISENDER_GO, status).verdict is Verdict.IGNORED:
        return None
    info = data.get("delivery_info")
    if not isinstance(info, dict):
        info = {}
    detail = text(info.get("delivery_status"))
    c = classify(
        Source.UNISENDER_GO,
        status,
        (detail or "").lower(),
        diagnostic=text(info.get("destination_response")),
        subtype=detail,
    )
    if c.kind is EventKind.IGNORED:
        return None
    what = f"unisender_go: {status} event #{i}"
    email = address_of(data.get("email"), what)
    own = {k: v for k, v in data.items() if k not in _SKIP}
    digest = sha256_hex(orjson.dumps(own, option=orjson.OPT_SORT_KEYS))
    when = data.get("event_time")
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
    meta = metadata_of(metadata, keys)
    return event(
        source=Source.UNISENDER_GO,
        dedup_key=f"unisender_go:sha256:{digest}",
        email=email,
        occurred_at=raw.received_at if when is None else from_iso(when, what),
        c=c,
        provider_message_id=text(data.get("job_id")),
        campaign_name=meta.campaign,
        subscriber_name=meta.subscriber_name,
        # status events name no sender: only the message metadata can
        sending_domain=first_domain(meta.sending_domain),
    )
