"""Issue 10, batch 2 (as tests/unit/test_fuzz_parsers.py): 5,000 generated bodies per
provider, each parsed by the provider's own parser (without the dispatcher's
catch-all), either give valid canonical events or raise ParseError. Nothing else may
escape."""

from __future__ import annotations

from hypothesis import given

from services.processor.parsers import (
    ParseError,
    mailersend,
    mailtrap,
    postal,
    resend,
    unisender_go,
)
from shared.ledger import EventRecord
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import RawEvent
from tests.fuzz_bodies_batch2 import BODIES
from tests.provider_fixtures import RECEIVED_AT
from tests.unit.test_fuzz_parsers import FUZZ

PARSERS = {
    "resend": resend.parse,
    "postal": postal.parse,
    "mailersend": mailersend.parse,
    "unisender_go": unisender_go.parse,
    "mailtrap": mailtrap.parse,
}


def check(provider: str, body: bytes, content_type: str) -> None:
    raw = RawEvent("evt_fuzz", provider, body, RECEIVED_AT, {"content-type": content_type})
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
@given(case=BODIES["resend"])
def test_fuzz_resend(case: tuple[bytes, str]) -> None:
    check("resend", *case)


@FUZZ
@given(case=BODIES["postal"])
def test_fuzz_postal(case: tuple[bytes, str]) -> None:
    check("postal", *case)


@FUZZ
@given(case=BODIES["mailersend"])
def test_fuzz_mailersend(case: tuple[bytes, str]) -> None:
    check("mailersend", *case)


@FUZZ
@given(case=BODIES["unisender_go"])
def test_fuzz_unisender_go(case: tuple[bytes, str]) -> None:
    check("unisender_go", *case)


@FUZZ
@given(case=BODIES["mailtrap"])
def test_fuzz_mailtrap(case: tuple[bytes, str]) -> None:
    check("mailtrap", *case)
