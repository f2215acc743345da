"""Every parser, fuzzed (issues 3 and 10): 5,000 generated bodies per provider, each
parsed by the provider's own parser (without the dispatcher's catch-all), give valid
canonical events or raise ParseError -- which the processor dead-letters with the
reason. Nothing else may escape."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.processor.parsers import DEFAULT_KEYS, PARSERS, ParseError
from shared.event_records import EventRecord
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import RawEvent
from tests.fuzz_bodies import BODIES
from tests.fuzz_bodies_batch2 import BODIES as BODIES_BATCH2
from tests.fuzz_bodies_more import BODIES_MORE
from tests.provider_fixtures import RECEIVED_AT

EXAMPLES = 5000
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ALL_BODIES = {**BODIES, **BODIES_MORE, **BODIES_BATCH2}
# SES bodies also arrive as SNS raw message delivery, which only headers tell apart
SNS_HEADERS = st.sampled_from(
    [
        {},
        {"x-amz-sns-rawdelivery": "true", "x-amz-sns-message-id": "m-1"},
        {"x-amz-sns-message-id": ""},
    ]
)
NO_HEADERS: st.SearchStrategy[dict[str, str]] = st.just({})


def check(
    provider: str, body: bytes, content_type: str, extra: dict[str, str] | None = None
) -> None:
    raw = RawEvent(
        "evt_fuzz", provider, body, RECEIVED_AT, {"content-type": content_type, **(extra or {})}
    )
    try:
        events = PARSERS[provider](raw, DEFAULT_KEYS)
    except ParseError as exc:
        reason = str(exc)
        events = []
    else:
        reason = "parsed"
    assert reason  # a dead letter always carries a reason
    assert isinstance(events, list)
    for e in events:
        assert isinstance(e, CanonicalEvent)
        assert e.source is Source(provider)
        assert e.kind is not EventKind.IGNORED
        assert "@" in e.email
        assert e.occurred_at.tzinfo is not None
        for value in e.model_dump().values():  # what Postgres text can store
            if isinstance(value, str):
                value.encode("utf-8")
                assert "\x00" not in value, e
        EventRecord.from_canonical(e, raw.event_id)  # what the processor does next


def test_every_parser_is_fuzzed() -> None:
    assert set(PARSERS) == set(ALL_BODIES)


@pytest.mark.parametrize("provider", sorted(PARSERS))
@FUZZ
@given(data=st.data())
def test_fuzz_parser(provider: str, data: st.DataObject) -> None:
    body, content_type = data.draw(ALL_BODIES[provider])
    headers = data.draw(SNS_HEADERS if provider == "ses" else NO_HEADERS)
    check(provider, body, content_type, headers)
