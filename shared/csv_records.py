"""CSV text in chunks, cut into complete records. Pure: no I/O.

A record may span lines inside quotes, so text is held back until its quotes
balance; memory stays bounded by the longest record (MAX_RECORD_CHARS).
"""

from __future__ import annotations

import csv
import io

MAX_RECORD_CHARS = 1_000_000  # an unterminated quote past this is an error, not a memory leak


# A spreadsheet runs a cell starting with one of these as a formula (CSV injection):
# an address like "=HYPERLINK(...)@x.com" is a valid local part, so exports neutralise it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """`value` as an exported cell: a leading formula character is escaped with "'"."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def read_cell(value: str) -> str:
    """The inverse of `safe_cell`, for re-importing our own exports."""
    if value.startswith("'") and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


def export_row(cells: list[str]) -> list[str]:
    """A row for csv.writer with every cell made safe to open in a spreadsheet."""
    return [safe_cell(c) for c in cells]


class ImportFormatError(ValueError):
    """The input cannot be imported at all; the message says why (and where)."""


class CsvRecords:
    """Cuts a stream of text chunks into complete CSV records.

    A record may span lines inside quotes, so text is held back until the
    quotes balance; `feed` returns the (line number, fields) of every record
    completed so far, `finish` the rest.
    """

    def __init__(self) -> None:
        self._pending = ""
        self._odd = False  # an unbalanced quote in _pending
        self._line = 0  # physical lines handed to the csv module so far

    def feed(self, text: str) -> list[tuple[int, list[str]]]:
        parts = text.split("\n")
        odd, cut = self._odd, -1
        for i, part in enumerate(parts[:-1]):
            odd ^= part.count('"') % 2 == 1
            if not odd:
                cut = i
        if cut < 0:
            self._pending += text
            self._odd ^= text.count('"') % 2 == 1
            self._check_size()
            return []
        complete = self._pending + "\n".join(parts[: cut + 1]) + "\n"
        self._pending = "\n".join(parts[cut + 1 :])
        self._odd = self._pending.count('"') % 2 == 1
        self._check_size()
        return self._parse(complete)

    def finish(self) -> list[tuple[int, list[str]]]:
        if self._odd:
            raise ImportFormatError(f"line {self._line + 1}: unterminated quoted field")
        rest, self._pending = self._pending, ""
        return self._parse(rest) if rest.strip() else []

    def _check_size(self) -> None:
        if len(self._pending) > MAX_RECORD_CHARS:
            raise ImportFormatError(f"line {self._line + 1}: record too long or unbalanced quote")

    def _parse(self, text: str) -> list[tuple[int, list[str]]]:
        reader = csv.reader(io.StringIO(text))
        out: list[tuple[int, list[str]]] = []
        start = self._line
        try:
            for fields in reader:
                if any(f.strip() for f in fields):
                    out.append((start + reader.line_num, fields))
        except csv.Error as exc:
            raise ImportFormatError(f"line {start + reader.line_num}: {exc}") from None
        self._line = start + text.count("\n")
        return out
