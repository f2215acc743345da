"""Suppression-list CSV parsing (shared.importers): formats, streaming, errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.csv_records import CsvRecords, ImportFormatError
from shared.importers import (
    HEADER_PATTERN,
    ImportFormat,
    ImportKind,
    ImportRow,
    RowError,
    SuppressionCsv,
    detect_format,
    iter_chunks,
    parse_timestamp,
)
from shared.models import Status
from shared.policy import HistoryKind

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)

MAILGUN = (
    b"address,code,error,created_at\r\n"
    b'ev@mgrules.com,550,,"Wed, 15 Feb 2012 11:16:31 GMT"\r\n'
    b'void@guillaumeleveque.info,550,"5.1.1 <void@guillaumeleveque.info>: Recipient address '
    b'rejected: User unknown in virtual mailbox table","Sun, 05 Feb 2012 21:36:26 GMT"\r\n'
    b"'serobnic@mail.ru,550,\"Message was not accepted -- invalid mailbox.\nLocal mailbox "
    b'\'serobnic@mail.ru is unavailable: user not found","Fri, 21 Oct 2011 11:02:55 GMT"\r\n'
)
SENDGRID_BOUNCES = (
    b"email,created,reason,status\n"
    b"Bounce@Example.com,1700000000,550 5.1.1 The email account does not exist,5.1.1\n"
    b"block@example.com,2023-11-14 22:13:20,550 blocked,\n"
)
SENDGRID_SPAM = b"email,created,ip\nspam@example.com,1700000000,10.0.0.1\n"
SES = (
    b"\xef\xbb\xbfEmailAddress,Reason,LastUpdateTime\n"
    b"b@example.com,BOUNCE,2024-03-01T12:00:00.123Z\n"
    b"c@example.com,COMPLAINT,2024-03-02T08:30:00+01:00\n"
)
BOUNCEFLOW = (
    b"email,status,reason,suppressed_at\n"
    b"h@example.com,bounced,hard_bounce,2026-01-10T12:00:00Z\n"
    b"s@example.com,bounced,soft_bounce_limit,2026-01-10T12:00:00Z\n"
    b"c@example.com,unsubscribed,complaint,2026-01-10T12:00:00Z\n"
    b"m@example.com,unsubscribed,manual,\n"
)


def parse(data: bytes, chunk: int = 7, **kw: object) -> tuple[SuppressionCsv, list[ImportRow]]:
    parser = SuppressionCsv(NOW, **kw)  # type: ignore[arg-type]
    items: list[ImportRow | RowError] = []
    for piece in iter_chunks(data, chunk):
        items += parser.feed(piece)
    items += parser.finish()
    rows = [i for i in items if isinstance(i, ImportRow)]
    assert len(rows) == len(items), [i for i in items if isinstance(i, RowError)]
    return parser, rows


def test_mailgun_export_with_quoted_multiline_error_in_tiny_chunks() -> None:
    parser, rows = parse(MAILGUN, chunk=3)
    assert parser.format is ImportFormat.MAILGUN
    assert parser.source == "mailgun"
    assert [r.email for r in rows] == [
        "ev@mgrules.com",
        "void@guillaumeleveque.info",
        "'serobnic@mail.ru",
    ]
    assert all(r.kind is HistoryKind.HARD for r in rows)
    assert rows[0].occurred_at == datetime(2012, 2, 15, 11, 16, 31, tzinfo=UTC)
    assert (rows[0].code, rows[0].error) == ("550", None)
    assert "\nLocal mailbox" in str(rows[2].error)
    assert [r.line for r in rows] == [2, 3, 5]  # the physical line where each record ends


@pytest.mark.parametrize("chunk", [1, 2, 5, 64, 10_000])
def test_any_chunking_gives_the_same_rows(chunk: int) -> None:
    assert parse(MAILGUN, chunk)[1] == parse(MAILGUN, 10_000)[1]


def test_sendgrid_bounces_blocks_and_spam_reports() -> None:
    parser, rows = parse(SENDGRID_BOUNCES)
    assert parser.format is ImportFormat.SENDGRID
    assert [(r.email, r.kind) for r in rows] == [
        ("bounce@example.com", HistoryKind.HARD),
        ("block@example.com", HistoryKind.HARD),
    ]
    assert rows[0].occurred_at == datetime.fromtimestamp(1700000000, UTC)
    assert rows[1].occurred_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert rows[0].code == "5.1.1"
    _, spam = parse(SENDGRID_SPAM)
    assert [(r.email, r.kind) for r in spam] == [("spam@example.com", HistoryKind.COMPLAINT)]


def test_ses_suppression_list_with_bom() -> None:
    parser, rows = parse(SES, chunk=2)  # the BOM split across chunks
    assert parser.format is ImportFormat.SES
    assert [(r.email, r.kind) for r in rows] == [
        ("b@example.com", HistoryKind.HARD),
        ("c@example.com", HistoryKind.COMPLAINT),
    ]
    assert rows[1].occurred_at == datetime(2024, 3, 2, 7, 30, tzinfo=UTC)


def test_bounceflow_export_reads_back() -> None:
    parser, rows = parse(BOUNCEFLOW)
    assert parser.format is ImportFormat.BOUNCEFLOW
    assert parser.source == "api"
    assert [(r.kind, r.set_status) for r in rows] == [
        (HistoryKind.HARD, None),
        (HistoryKind.HARD, None),
        (HistoryKind.COMPLAINT, None),
        (HistoryKind.MANUAL, Status.UNSUBSCRIBED),
    ]
    assert rows[3].occurred_at == NOW  # no time given: the import's


def test_kind_override_and_explicit_format() -> None:
    _, rows = parse(SENDGRID_BOUNCES, kind=ImportKind.COMPLAINT)
    assert {r.kind for r in rows} == {HistoryKind.COMPLAINT}
    with pytest.raises(ImportFormatError, match="needs a 'emailaddress' column"):
        parse(SENDGRID_BOUNCES, fmt=ImportFormat.SES)


def test_dedup_keys_are_deterministic() -> None:
    _, first = parse(SES)
    _, again = parse(SES, chunk=1)
    assert [r.dedup_key("ses") for r in first] == [r.dedup_key("ses") for r in again]
    assert first[0].dedup_key("ses") == "import:ses:b@example.com:hard"
    _, manual = parse(BOUNCEFLOW)
    assert manual[3].dedup_key("api") == "import:api:m@example.com:manual-unsubscribed"


def test_bad_rows_are_skipped_with_their_line() -> None:
    parser = SuppressionCsv(NOW)
    items = parser.feed(b"email,created\nnot-an-address,1\n\n  \nok@example.com,1\nx@y@z,2\n")
    items += parser.finish()
    assert [type(i).__name__ for i in items] == ["RowError", "ImportRow", "RowError"]
    errors = [i for i in items if isinstance(i, RowError)]
    assert [e.line for e in errors] == [2, 6]
    assert "not an email address" in errors[0].message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"name,phone\nx,y\n", "unrecognised header"),
        (b"email,created\n\xff\xfe,1\n", "not UTF-8"),
        (b'email,created\n"unterminated,1\n', "unterminated"),
    ],
)
def test_unreadable_files(data: bytes, message: str) -> None:
    def read() -> None:
        parser = SuppressionCsv(NOW)
        parser.feed(data)
        parser.finish()

    with pytest.raises(ImportFormatError, match=message):
        read()


def test_records_cannot_grow_without_bound() -> None:
    records = CsvRecords()
    for _ in range(99):
        records.feed('"' + "x" * 10_000)  # an open quote: held back, waiting for its end
    with pytest.raises(ImportFormatError, match="too long"):
        records.feed("x" * 10_000)


def test_nul_characters_never_reach_the_database() -> None:
    _, rows = parse(b"address,code,error\na@example.com,5\x0050,bad\x00error\n")
    assert (rows[0].code, rows[0].error) == ("550", "baderror")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wed, 15 Feb 2012 11:16:31 GMT", datetime(2012, 2, 15, 11, 16, 31, tzinfo=UTC)),
        ("1700000000", datetime.fromtimestamp(1700000000, UTC)),
        ("1700000000000", datetime.fromtimestamp(1700000000, UTC)),
        ("2024-03-01T12:00:00Z", datetime(2024, 3, 1, 12, tzinfo=UTC)),
        ("2024-03-01 12:00:00", datetime(2024, 3, 1, 12, tzinfo=UTC)),
        ("", None),
        ("yesterday", None),
        ("Wed, 99 Feb 2012 11:16:31 GMT", None),
        ("9" * 30, None),
    ],
)
def test_parse_timestamp(text: str, expected: datetime | None) -> None:
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    ("header", "fmt"),
    [
        (["address", "code", "error", "created_at"], ImportFormat.MAILGUN),
        (["email", "created", "reason", "status"], ImportFormat.SENDGRID),
        (["EmailAddress", "Reason", "LastUpdateTime"], ImportFormat.SES),
        (["email", "status", "reason", "suppressed_at"], ImportFormat.BOUNCEFLOW),
        ([" Email "], ImportFormat.SENDGRID),
    ],
)
def test_detect_format(header: list[str], fmt: ImportFormat) -> None:
    assert detect_format(header) is fmt


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=200))
def test_the_documented_header_pattern_matches_what_is_recognised(tail: str) -> None:
    import re

    for header in ("address,code", "email", 'x,"EmailAddress",y'):
        text = header + "\n" + tail.replace("\x00", "")
        assert re.match(HEADER_PATTERN, text)
        parser = SuppressionCsv(NOW)
        parser.feed(text.split("\n", 1)[0].encode() + b"\n")
        assert parser.format is not None


def test_safe_cells_round_trip() -> None:
    from shared.csv_records import read_cell, safe_cell

    for value in ("=SUM(A1)", "+1", "-1", "@x", "\tx", "plain@example.com", "'quoted"):
        escaped = safe_cell(value)
        assert not escaped.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert read_cell(escaped) == value
