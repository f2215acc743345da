"""Every provider fixture parses to the events stated in tests/unit/parser_expectations.py."""

from __future__ import annotations

import pytest

from services.processor.parsers import ParseError, parse
from shared.models import CanonicalEvent, EventKind, Source
from tests.provider_fixtures import PROVIDERS, fixture_names, load_fixture
from tests.unit.parser_expectations import EXPECTED, RAISES, E

ALL_FIXTURES = [(p, n) for p in PROVIDERS for n in fixture_names(p)]


def test_every_fixture_has_an_expectation() -> None:
    assert len(ALL_FIXTURES) == 101
    assert sorted(EXPECTED) == sorted(ALL_FIXTURES)


def _check(got: CanonicalEvent, want: E, provider: str) -> None:
    assert got.kind is want.kind
    assert got.email == want.email
    if want.key.endswith("*"):
        assert got.dedup_key.startswith(want.key[:-1])
    else:
        assert got.dedup_key == want.key
    assert (got.smtp_code, got.enhanced_code) == (want.smtp, want.enhanced)
    assert got.sending_domain == want.domain
    assert got.source is Source(provider)
    assert got.occurred_at.tzinfo is not None
    assert got.occurred_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


@pytest.mark.parametrize(("provider", "name"), ALL_FIXTURES, ids=[n for _, n in ALL_FIXTURES])
def test_fixture(provider: str, name: str) -> None:
    raw, _ = load_fixture(provider, name)
    want = EXPECTED[(provider, name)]
    if isinstance(want, str):
        assert want == RAISES
        with pytest.raises(ParseError):
            parse(raw)
        return
    got = parse(raw)
    assert len(got) == len(want), [(e.kind, e.email) for e in got]
    for g, w in zip(got, want, strict=True):
        _check(g, w, provider)
    assert all(e.kind is not EventKind.IGNORED for e in got)


# -- details of particular payloads ------------------------------------------------
