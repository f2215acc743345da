"""Issue 3, done-when 4 (processor side): 5,000 generated bodies per provider, each
parsed by the provider's own parser (without the dispatcher's catch-all), either give
valid canonical events or raise ParseError -- which the processor dead-letters with the
reason. Nothing else may escape."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.processor.parsers import ParseError, dsn, mailgun, sendgrid, ses
from shared.ledger import EventRecord
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import RawEvent
from tests.fuzz_bodies import BODIES
from tests.provider_fixtures import RECEIVED_AT

EXAMPLES = 5000
PARSERS = {"ses": ses.parse, "mailgun": mailgun.parse, "sendgrid": sendgrid.parse, "dsn": dsn.parse}
SNS_HEADERS = st.sampled_from(
    [
        {},
        {"x-amz-sns-rawdelivery": "true", "x-amz-sns-message-id": "m-1"},
        {"x-amz-sns-message-id": ""},
    ]
)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def check(
    provider: str, body: bytes, content_type: str, extra: dict[str, str] | None = None
) -> None:
    raw = RawEvent(
        "evt_fuzz", provider, body, RECEIVED_AT, {"content-type": content_type, **(extra or {})}
    )
    try:
        events = PARSERS[provider](raw)
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


@FUZZ
@given(case=BODIES["ses"], headers=SNS_HEADERS)
def test_fuzz_ses(case: tuple[bytes, str], headers: dict[str, str]) -> None:
    check("ses", *case, headers)


@FUZZ
@given(case=BODIES["mailgun"])
def test_fuzz_mailgun(case: tuple[bytes, str]) -> None:
    check("mailgun", *case)


@FUZZ
@given(case=BODIES["sendgrid"])
def test_fuzz_sendgrid(case: tuple[bytes, str]) -> None:
    check("sendgrid", *case)


@FUZZ
@given(case=BODIES["dsn"])
def test_fuzz_dsn(case: tuple[bytes, str]) -> None:
    check("dsn", *case)
