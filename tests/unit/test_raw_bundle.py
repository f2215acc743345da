"""A bundle message gives back exactly the raw events packed into it; a damaged one none."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared import raw_bundle
from shared.raw import CONTENT_TYPE, RawEvent

AT = datetime(2026, 12, 2, 1, 2, 3, 456789, tzinfo=UTC)
EVENTS = [
    RawEvent(
        "evt_1", "ses", b'{"Type":"Notification"}', AT, {"x-amz-sns-message-id": "m1"}, "basic"
    ),
    RawEvent("evt_2", "dsn", b"\xff\xfe binary \x00 mime", AT, {}, None),
    RawEvent("evt_3", "sendgrid", b"", AT, {"content-type": "application/json"}, "signature"),
]


def test_pack_unpack_round_trip() -> None:
    assert raw_bundle.unpack(raw_bundle.pack(EVENTS)) == EVENTS


def test_a_single_event_message_is_read_as_before() -> None:
    e = EVENTS[0]
    got = raw_bundle.raw_events(e.event_id, CONTENT_TYPE, e.amqp_headers(), e.body)
    assert got == [e]


def test_a_bundle_message_is_read_by_its_content_type() -> None:
    body = raw_bundle.pack(EVENTS)
    assert raw_bundle.raw_events("bdl_x", raw_bundle.CONTENT_TYPE, {"events": 3}, body) == EVENTS


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x00\x00",
        b"\x00\x00\x00\x05[{}]x",  # index shorter than its length
        raw_bundle.pack(EVENTS)[:-3],  # bodies cut short
        raw_bundle.pack(EVENTS) + b"tail",  # more than the index says
        b"\x00\x00\x00\x02{}",  # not a list of events
        b"\x00\x00\x00\x02[]",  # no events
        b"\x00\x00\x00\x04[{}]",  # events without fields
    ],
)
def test_a_damaged_bundle_is_a_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        raw_bundle.unpack(body)
