"""As tests/unit/test_fuzz_parsers.py, for Postmark, SparkPost, Mailjet, Brevo and
Mandrill: 5,000 generated bodies per provider, each parsed by the provider's own parser
(without the dispatcher's catch-all), give valid canonical events or raise ParseError.
Nothing else may escape."""

from __future__ import annotations

from hypothesis import given

from services.processor.parsers import ParseError, brevo, mailjet, mandrill, postmark, sparkpost
from shared.ledger import EventRecord
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import RawEvent
from tests.fuzz_bodies_more import BODIES_MORE
from tests.provider_fixtures import RECEIVED_AT
from tests.unit import test_fuzz_parsers as base

PARSERS = {
    "postmark": postmark.parse,
    "sparkpost": sparkpost.parse,
    "mailjet": mailjet.parse,
    "brevo": brevo.parse,
    "mandrill": mandrill.parse,
}


def check(provider: str, body: bytes, content_type: str) -> None:
    """base.check for these parsers: events valid for the database, or a ParseError."""
    raw = RawEvent("evt_fuzz", provider, body, RECEIVED_AT, {"content-type": content_type})
    try:
        events = PARSERS[provider](raw)
    except ParseError as exc:
        reason, events = str(exc), []
    else:
        reason = "parsed"
    assert reason  # a dead letter always carries a reason
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


@base.FUZZ
@given(case=BODIES_MORE["postmark"])
def test_fuzz_postmark(case: tuple[bytes, str]) -> None:
    check("postmark", *case)


@base.FUZZ
@given(case=BODIES_MORE["sparkpost"])
def test_fuzz_sparkpost(case: tuple[bytes, str]) -> None:
    check("sparkpost", *case)


@base.FUZZ
@given(case=BODIES_MORE["mailjet"])
def test_fuzz_mailjet(case: tuple[bytes, str]) -> None:
    check("mailjet", *case)


@base.FUZZ
@given(case=BODIES_MORE["brevo"])
def test_fuzz_brevo(case: tuple[bytes, str]) -> None:
    check("brevo", *case)


@base.FUZZ
@given(case=BODIES_MORE["mandrill"])
def test_fuzz_mandrill(case: tuple[bytes, str]) -> None:
    check("mandrill", *case)
