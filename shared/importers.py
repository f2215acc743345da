"""Suppression-list CSV exports, parsed incrementally. Pure: no I/O, no clock reads.

Formats, detected from the header row (names compared case-insensitively,
ignoring surrounding spaces):

    mailgun     address,code,error,created_at        bounces export; RFC 2822 created_at
    sendgrid    email,created,reason,status          bounces, blocks, invalid emails
                email,created,ip                     spam reports (no reason column) -> complaint
    ses         EmailAddress,Reason,LastUpdateTime   account suppression list;
                                                     Reason BOUNCE or COMPLAINT
    bounceflow  email,status,reason,suppressed_at    GET /api/v1/suppressions/export

Every row becomes an `ImportRow`: a hard bounce, a complaint, or (bounceflow's
own `manual` rows) a manual status. A row whose address is not an address is
a `RowError` and is skipped; a header that matches no format, text that is not
UTF-8 or an unbalanced quote is an `ImportFormatError` and stops the import.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

from shared import address
from shared.csv_records import CsvRecords, ImportFormatError, read_cell
from shared.models import Source, Status
from shared.policy import HistoryKind

MAX_FIELD_LENGTH = 2000  # characters kept of a code or error text
# one @, something either side, no ASCII controls or spaces (the API's EMAIL_PATTERN)


class ImportFormat(StrEnum):
    MAILGUN = "mailgun"
    SENDGRID = "sendgrid"
    SES = "ses"
    BOUNCEFLOW = "bounceflow"


class ImportKind(StrEnum):
    """What a row means when the caller overrides the format's own mapping."""

    HARD = "hard"
    COMPLAINT = "complaint"


SOURCE_OF = {
    ImportFormat.MAILGUN: Source.MAILGUN,
    ImportFormat.SENDGRID: Source.SENDGRID,
    ImportFormat.SES: Source.SES,
    ImportFormat.BOUNCEFLOW: Source.API,
}
# the column each format cannot do without (normalised names)
_EMAIL_COLUMN = {
    ImportFormat.MAILGUN: "address",
    ImportFormat.SENDGRID: "email",
    ImportFormat.SES: "emailaddress",
    ImportFormat.BOUNCEFLOW: "email",
}


@dataclass(frozen=True, slots=True)
class ImportRow:
    line: int
    email: str
    kind: HistoryKind
    occurred_at: datetime
    set_status: Status | None = None  # only for HistoryKind.MANUAL
    code: str | None = None
    error: str | None = None

    def dedup_key(self, source: str) -> str:
        """Deterministic, so importing the same export twice changes nothing."""
        what = f"manual-{self.set_status}" if self.kind is HistoryKind.MANUAL else self.kind.value
        return f"import:{source}:{self.email}:{what}"


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    message: str


def parse_timestamp(text: str) -> datetime | None:
    """Unix seconds (or milliseconds), RFC 2822 or ISO 8601, as UTC; None if none of those."""
    text = text.strip()
    if not text:
        return None
    try:
        if text.replace(".", "", 1).isdigit():
            seconds = float(text)
            return datetime.fromtimestamp(seconds / 1000 if seconds > 1e11 else seconds, UTC)
        if text[:1].isalpha():
            parsed = parsedate_to_datetime(text)
        else:
            parsed = datetime.fromisoformat(text)
    except (ValueError, TypeError, OverflowError, OSError, IndexError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _column(name: str) -> str:
    return name.strip(" \t").lower()


def _anycase(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


# What a header row must look like (the address column of one of the formats), as a
# JSON Schema pattern for the whole file: the header line, then anything without NULs.
HEADER_PATTERN = (
    r"^\ufeff?([^\r\n,]*,)*[ \t]*\"?("
    + "|".join(_anycase(w) for w in ("address", "email", "emailaddress"))
    + r")\"?[ \t]*(,[^\r\n]*)?(\r?\n[^\x00]*)?$"
)


def detect_format(header: list[str]) -> ImportFormat:
    """The format whose columns `header` has; ImportFormatError naming what was expected."""
    columns = {_column(h) for h in header}
    if {"email", "status", "suppressed_at"} <= columns:
        return ImportFormat.BOUNCEFLOW
    if "emailaddress" in columns:
        return ImportFormat.SES
    if "address" in columns:
        return ImportFormat.MAILGUN
    if "email" in columns:
        return ImportFormat.SENDGRID
    raise ImportFormatError(
        "line 1: unrecognised header; expected a Mailgun (address,code,error,created_at), "
        "SendGrid (email,created,reason,status), SES (EmailAddress,Reason,LastUpdateTime) "
        "or bounceflow (email,status,reason,suppressed_at) export"
    )


class SuppressionCsv:
    """Bytes of one export in, `ImportRow`s and `RowError`s out, chunk by chunk."""

    def __init__(
        self, now: datetime, fmt: ImportFormat | None = None, kind: ImportKind | None = None
    ) -> None:
        self.format = fmt
        self._kind = kind
        self._now = now
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
        self._records = CsvRecords()
        self._columns: dict[str, int] | None = None
        self._bytes = 0

    @property
    def source(self) -> str:
        assert self.format is not None, "no header seen yet"
        return SOURCE_OF[self.format].value

    def feed(self, chunk: bytes) -> list[ImportRow | RowError]:
        try:
            text = self._decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise ImportFormatError(
                f"byte {self._bytes + exc.start}: the file is not UTF-8 text"
            ) from None
        self._bytes += len(chunk)
        return self._rows(self._records.feed(text))

    def finish(self) -> list[ImportRow | RowError]:
        try:
            text = self._decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ImportFormatError("the file ends inside a UTF-8 character") from None
        rows = self._rows(self._records.feed(text) + self._records.finish())
        if self._columns is None:
            raise ImportFormatError("the file is empty: no header row")
        return rows

    def _rows(self, records: list[tuple[int, list[str]]]) -> list[ImportRow | RowError]:
        out: list[ImportRow | RowError] = []
        for line, fields in records:
            if self._columns is None:
                self._header(fields)
            else:
                out.append(self._row(line, fields))
        return out

    def _header(self, fields: list[str]) -> None:
        detected = detect_format(fields)
        if self.format is None:
            self.format = detected
        columns = {_column(f): i for i, f in reversed(list(enumerate(fields)))}
        if _EMAIL_COLUMN[self.format] not in columns:
            raise ImportFormatError(
                f"line 1: a {self.format} export needs a {_EMAIL_COLUMN[self.format]!r} column"
            )
        self._columns = columns

    def _get(self, fields: list[str], *names: str) -> str:
        assert self._columns is not None
        for name in names:
            i = self._columns.get(name)
            if i is not None and i < len(fields):
                return fields[i].replace("\x00", "").strip()  # Postgres text refuses NUL
        return ""

    def _row(self, line: int, fields: list[str]) -> ImportRow | RowError:
        assert self.format is not None
        raw = read_cell(self._get(fields, _EMAIL_COLUMN[self.format]))
        email = address.normalise(raw)
        if email is None:
            return RowError(line, f"not an email address: {raw[:100]!r}")
        get = self._get
        when = parse_timestamp(
            get(fields, "created_at", "created", "lastupdatetime", "suppressed_at")
        )
        kind, status = self._meaning(fields)
        return ImportRow(
            line=line,
            email=email,
            kind=kind,
            occurred_at=when or self._now,
            set_status=status,
            code=(get(fields, "code", "status") or None) if self.format is not _BF else None,
            error=get(fields, "error", "reason")[:MAX_FIELD_LENGTH] or None,
        )

    def _meaning(self, fields: list[str]) -> tuple[HistoryKind, Status | None]:
        if self._kind is not None:
            return HistoryKind(self._kind.value), None
        assert self._columns is not None
        if self.format is ImportFormat.SES:
            reason = self._get(fields, "reason").upper()
            return (HistoryKind.COMPLAINT if reason == "COMPLAINT" else HistoryKind.HARD), None
        if self.format is ImportFormat.SENDGRID:
            spam = "ip" in self._columns and "reason" not in self._columns
            return (HistoryKind.COMPLAINT if spam else HistoryKind.HARD), None
        if self.format is ImportFormat.BOUNCEFLOW:
            return _bounceflow_meaning(self._get(fields, "status"), self._get(fields, "reason"))
        return HistoryKind.HARD, None


_BF = ImportFormat.BOUNCEFLOW


def _bounceflow_meaning(status: str, reason: str) -> tuple[HistoryKind, Status | None]:
    if reason in ("hard_bounce", "soft_bounce_limit"):
        return HistoryKind.HARD, None
    if reason == "complaint":
        return HistoryKind.COMPLAINT, None
    try:
        return HistoryKind.MANUAL, Status(status)
    except ValueError:
        return HistoryKind.HARD, None


def iter_chunks(data: bytes, size: int) -> Iterator[bytes]:
    """`data` in pieces of `size` bytes (tests feed exports this way)."""
    for i in range(0, len(data), size):
        yield data[i : i + size]
