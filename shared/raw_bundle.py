"""Several raw events in one AMQP message: ingest's group commit, the processor's unpacking.

Under load ingest publishes the requests that arrive while earlier publishes await
their confirms as one message (services/ingest/providers/bundler.py): one broker write,
one quorum-log entry, one confirm and one delivery for all of them, instead of one each.
Each request still gets its 200 only after the confirm of the message holding it.

A bundle of one is an ordinary raw event (shared/raw.py), so a quiet ingest, the
dead-letter queue and tools reading the queue see what they always saw. A bundle of
several has its own content type and this body:

    4-byte big-endian length N | N bytes of JSON: one object per event | the bodies, in order

where each object carries the event's id, provider, received-at, auth, forwarded
headers and body size.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson

from shared.raw import CONTENT_TYPE as RAW_CONTENT_TYPE
from shared.raw import RawEvent

CONTENT_TYPE = "application/x-bounceflow-bundle"
EVENTS_HEADER = "events"  # how many raw events a bundle message holds
_LENGTH = struct.Struct(">I")


def pack(events: Sequence[RawEvent]) -> bytes:
    """The body of a bundle message holding `events`."""
    index = orjson.dumps(
        [
            {
                "id": e.event_id,
                "provider": e.provider,
                "received_at": e.received_at.isoformat(),
                "auth": e.auth,
                "headers": dict(e.headers),
                "size": len(e.body),
            }
            for e in events
        ]
    )
    return b"".join([_LENGTH.pack(len(index)), index, *(e.body for e in events)])


def unpack(body: bytes) -> list[RawEvent]:
    """The events of a bundle body; ValueError when it is not one."""
    if len(body) < _LENGTH.size:
        raise ValueError("bundle too short")
    (n,) = _LENGTH.unpack_from(body)
    start = _LENGTH.size + n
    try:
        index = orjson.loads(body[_LENGTH.size : start])
        if not isinstance(index, list) or not index:
            raise ValueError("a bundle's index is a non-empty list of events")
        events = []
        for item in index:
            end = start + int(item["size"])
            if end > len(body):
                raise ValueError("bundle body shorter than its index says")
            events.append(
                RawEvent(
                    str(item["id"]),
                    str(item["provider"]),
                    body[start:end],
                    datetime.fromisoformat(item["received_at"]),
                    {str(k): str(v) for k, v in item["headers"].items()},
                    item["auth"],
                )
            )
            start = end
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"bad bundle index: {exc!r}") from None
    if start != len(body):
        raise ValueError("bundle body longer than its index says")
    return events


def message_of(events: Sequence[RawEvent]) -> tuple[bytes, str, dict[str, Any], str]:
    """(body, content type, headers, message id) of the one message holding `events`:
    a single raw event as it always travelled, several as a bundle."""
    if len(events) == 1:
        raw = events[0]
        return raw.body, RAW_CONTENT_TYPE, raw.amqp_headers(), raw.event_id
    return pack(events), CONTENT_TYPE, {EVENTS_HEADER: len(events)}, "bdl_" + uuid.uuid4().hex


def events_in(content_type: str | None, headers: Mapping[str, object]) -> int:
    """How many raw events a message holds (1 unless a bundle says more)."""
    n = headers.get(EVENTS_HEADER) if content_type == CONTENT_TYPE else 1
    return n if isinstance(n, int) and n > 0 else 1


def raw_events(
    message_id: str | None, content_type: str | None, headers: Mapping[str, object], body: bytes
) -> list[RawEvent]:
    """The raw events of one AMQP message, bundle or single; ValueError when it holds none."""
    if content_type == CONTENT_TYPE:
        return unpack(body)
    return [RawEvent.from_amqp(message_id, headers, body)]
