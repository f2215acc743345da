"""The management API's pure parts: stats levels, RFC 2822 dates, cursors, reasons, schemas."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from services.ingest.api.bounces.models import BounceQuery, ReportBounce
from services.ingest.api.cursors import decode_cursor, encode_cursor
from services.ingest.api.endpoints.models import CreateEndpoint
from services.ingest.api.fields import URL_PATTERN
from services.ingest.api.mailgun.models import (
    RFC2822_PATTERN,
    AddBounce,
    parse_rfc2822,
    rfc2822,
)
from services.ingest.api.openapi.spec import _plain
from services.ingest.api.stats.levels import (
    Counts,
    complaint_level,
    hard_bounce_level,
    health,
    rate,
    worst,
)
from services.ingest.api.suppressions.routes import reason_for

# --- stats (seed 002's thresholds) -----------------------------------------------


@pytest.mark.parametrize(
    ("hard", "sent", "level"),
    [
        (0, 0, "safe"),
        (0, 100, "safe"),
        (1, 100, "safe"),
        (199, 10_000, "safe"),  # 1.99 %
        (2, 100, "warning"),  # exactly 2 %
        (5, 100, "warning"),  # exactly 5 %
        (501, 10_000, "danger"),  # 5.01 %
        (1, 1, "danger"),
    ],
)
def test_hard_bounce_levels(hard: int, sent: int, level: str) -> None:
    assert hard_bounce_level(hard, sent) == level


@pytest.mark.parametrize(
    ("complaints", "delivered", "level"),
    [
        (0, 0, "safe"),
        (9, 10_000, "safe"),  # 0.09 %
        (10, 10_000, "warning"),  # exactly 0.10 %
        (30, 10_000, "warning"),  # exactly 0.30 %
        (31, 10_000, "danger"),
        (1, 0, "danger"),  # a complaint with no recorded delivery
    ],
)
def test_complaint_levels(complaints: int, delivered: int, level: str) -> None:
    assert complaint_level(complaints, delivered) == level


def test_rates_and_overall_status() -> None:
    h = health(Counts(delivered=960, hard=30, soft=10, complaints=2))
    assert (h.bounce_rate, h.hard_bounce_rate) == (0.04, 0.03)
    assert h.complaint_rate == round(2 / 960, 6)
    assert (h.bounce_status, h.complaint_status, h.status) == ("warning", "warning", "warning")
    assert health(Counts()).status == "safe"
    assert health(Counts(delivered=100, hard=10)).status == "danger"
    assert rate(0, 0) == 0.0
    assert rate(3, 0) == 1.0
    assert worst("safe", "danger", "warning") == "danger"
    assert Counts(1, 2, 3, 4) + Counts(1, 1, 1, 1) == Counts(2, 3, 4, 5)


# --- Mailgun's dates ---------------------------------------------------------------


def test_rfc2822_as_in_seed_003() -> None:
    when = datetime(2012, 2, 15, 11, 16, 31, 999, tzinfo=UTC)
    assert rfc2822(when) == "Wed, 15 Feb 2012 11:16:31 GMT"
    paris = timezone(timedelta(hours=1))
    assert rfc2822(datetime(2012, 2, 15, 12, 16, 31, tzinfo=paris)) == (
        "Wed, 15 Feb 2012 11:16:31 GMT"
    )
    assert parse_rfc2822("Wed, 15 Feb 2012 11:16:31 GMT") == when.replace(microsecond=0)
    assert parse_rfc2822("15 Feb 2012 12:16 +0100") == datetime(2012, 2, 15, 11, 16, tzinfo=UTC)
    with pytest.raises(ValueError, match="RFC 2822"):
        parse_rfc2822("yesterday")


@pytest.mark.parametrize(
    "text",
    ["Wed, 15 Feb 2012 11:16:31 GMT", "1 Jan 1999 00:00 UTC", "28 Feb 2099 23:59:59 -0130", ""],
)
def test_every_date_the_pattern_admits_parses(text: str) -> None:
    assert re.match(RFC2822_PATTERN, text)
    assert AddBounce(address="a@b.c", created_at=text).created_at == text


def test_mailgun_add_defaults_and_codes() -> None:
    bounce = AddBounce.model_validate({"address": "Ev@Mgrules.com"})
    assert (bounce.address, bounce.code, bounce.error) == ("ev@mgrules.com", "550", "")
    assert AddBounce.model_validate({"address": "a@b.c", "code": 421}).code == "421"
    assert AddBounce.model_validate({"address": "a@b.c", "code": 550.0}).code == "550"
    for bad in (True, 5.5, "x" * 65, "5\x0050", None):
        with pytest.raises(ValidationError):
            AddBounce.model_validate({"address": "a@b.c", "code": bad})


# --- cursors, reasons, validation --------------------------------------------------


def test_cursors_round_trip_and_every_well_formed_one_decodes() -> None:
    for last_id in (0, 1, 900_000, 2**63 - 1):
        cursor = encode_cursor(last_id)
        assert re.fullmatch(r"[0-7][0-9a-f]{15}", cursor)
        assert decode_cursor(cursor) == last_id
    for bad in ("", "8000000000000000", "xyz", "00000000000000001"):
        with pytest.raises(ValueError, match="cursor"):
            decode_cursor(bad)
    with pytest.raises(ValueError, match="range"):
        encode_cursor(2**63)


@pytest.mark.parametrize(
    ("status", "hard", "soft", "complaint", "reason"),
    [
        ("bounced", True, True, None, "hard_bounce"),
        ("bounced", False, True, False, "soft_bounce_limit"),
        ("bounced", None, None, None, "manual"),
        ("unsubscribed", True, None, True, "complaint"),
        ("unsubscribed", True, None, None, "manual"),
    ],
)
def test_suppression_reasons(
    status: str, hard: bool | None, soft: bool | None, complaint: bool | None, reason: str
) -> None:
    assert reason_for(status, hard, soft, complaint) == reason


@pytest.mark.parametrize(
    "query",
    [
        {"since": "2026-01-10"},
        {"since": "1700000000"},
        {"since": "2026-01-10T12:00:00"},
        {"offset": "1000001"},
        {"after": "zzzzzzzzzzzzzzzz"},
    ],
)
def test_bounce_query_refuses(query: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        BounceQuery.model_validate(query)


def test_bounce_query_reads_rfc3339_as_utc() -> None:
    query = BounceQuery.model_validate({"since": "2026-01-10T13:00:00+01:00"})
    assert query.since == datetime(2026, 1, 10, 12, tzinfo=UTC)
    assert query.since is not None
    assert query.since.tzinfo == UTC


def test_text_fields_refuse_nul() -> None:
    with pytest.raises(ValidationError):
        ReportBounce.model_validate(
            {"email": "a@b.c", "bounce_type": "hard", "diagnostic_code": "5\x00"}
        )


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.com/hook", True),
        ("http://127.0.0.1:8080/x?y=1", True),
        ("http://[::1]/hook", True),
        ("http://[::ffff:127.0.0.1]/hook", True),
        ("http://a:65535", True),
        ("http://a:65536", False),
        ("https://[DE4a8004Bb:A]/", False),
        ("http://[::253.07.248.254]/", False),
        ("ftp://example.com", False),
        ("not a url", False),
    ],
)
def test_endpoint_url_pattern(url: str, ok: bool) -> None:
    assert bool(re.match(URL_PATTERN, url)) is ok
    if ok:
        CreateEndpoint(url=url)


def test_parameter_schemas_have_no_null_branch() -> None:
    schema = {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None, "title": "X"}
    assert _plain(schema) == {"type": "integer"}
    both = {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]}
    assert _plain(both) == {"anyOf": [{"type": "integer"}, {"type": "string"}]}
