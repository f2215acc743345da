"""Reading email messages defensively: headers, dates, report blocks, the original message.

Helpers of the raw-message parser (dsn.py). Messages are parsed with the
`email` package's compat32 policy, whose headers are plain strings (policy.default
re-parses a structured header on every access: ten times slower here); encoded
words (RFC 2047) are decoded where a value is read, raw 8-bit bytes read as UTF-8.
A header that cannot be read counts as absent rather than failing the message.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import quopri
import re
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import HeaderParser
from email.utils import collapse_rfc2231_value, getaddresses, parsedate_to_datetime
from typing import Final

from services.processor.parsers._common import ParseError, meta_key, text

_HEADERS: Final = HeaderParser(policy=policy.compat32)
_BLANK_LINE: Final = re.compile(r"\r?\n[ \t]*\r?\n")
_WHITESPACE: Final = re.compile(r"\s+")
# message/* types that hold the original message or its headers as a parsed message
_ORIGINAL_MESSAGE: Final = ("message/rfc822", "message/global", "message/global-headers")
_ORIGINAL_HEADERS: Final = ("text/rfc822-headers",)


def _clean(value: object) -> str | None:
    """A header value as text: 8-bit bytes as UTF-8, encoded words decoded, unfolded."""
    raw = str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if "=?" in raw:
        with contextlib.suppress(Exception):  # a broken encoded word: keep the text as is
            raw = str(make_header(decode_header(raw)))
    return text(_WHITESPACE.sub(" ", raw))


def header(msg: Message | None, name: str) -> str | None:
    """The first `name` header of `msg`; None when absent or unreadable."""
    values = headers(msg, name, first=True)
    return values[0] if values else None


def headers(msg: Message | None, name: str, *, first: bool = False) -> list[str]:
    """Every readable, non-empty `name` header of `msg` (only the first with `first`)."""
    if msg is None:
        return []
    try:
        values = msg.get_all(name) or []
    except Exception:  # a header the email package cannot read is as good as none
        return []
    out: list[str] = []
    for value in values:
        if (cleaned := _clean(value)) is not None:
            out.append(cleaned)
            if first:
                break
    return out


def param(msg: Message, name: str) -> str | None:
    """A Content-Type parameter of `msg` (RFC 2231 values decoded); None when unreadable."""
    try:
        value = msg.get_param(name)
        if isinstance(value, tuple):
            value = collapse_rfc2231_value(value)
    except Exception:  # as for headers: an unreadable parameter is an absent one
        return None
    return text(value)


def date(value: str | None) -> datetime | None:
    """An RFC 5322 date as aware UTC; None when absent or unreadable ("-0000" is UTC)."""
    if not value:
        return None
    try:
        dt = parsedate_to_datetime(value)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return dt.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def first_part(msg: Message, content_types: tuple[str, ...]) -> Message | None:
    """The first part (depth first, in order) of one of `content_types`."""
    for part in msg.walk():
        if part is not msg and part.get_content_type() in content_types:
            return part
    return None


def _decoded(part: Message) -> str:
    """The part's body as text, transfer encoding undone, bad bytes replaced."""
    payload = part.get_payload()
    if isinstance(payload, list):  # a message/* part: its parsed content, re-serialized
        payload = "".join(p.as_string() if isinstance(p, Message) else str(p) for p in payload)
    if not isinstance(payload, str):
        return ""
    data = payload.encode("utf-8", "surrogateescape")
    cte = (header(part, "Content-Transfer-Encoding") or "").lower()
    try:
        if cte == "base64":
            data = base64.b64decode(data)
        elif cte == "quoted-printable":
            data = quopri.decodestring(data)
    except (binascii.Error, ValueError):
        raise ParseError(f"dsn: {part.get_content_type()} part is not valid {cte}") from None
    return data.decode("utf-8", "replace")


def blocks(part: Message) -> list[Message]:
    """The header blocks of a message/delivery-status or message/feedback-report part."""
    payload = part.get_payload()
    encoded = (header(part, "Content-Transfer-Encoding") or "7bit").lower()
    if isinstance(payload, list) and encoded in ("7bit", "8bit", "binary"):
        out: list[Message] = []
        for sub in payload:
            if isinstance(sub, Message):
                out.append(sub)
                rest = sub.get_payload()  # message/global-delivery-status: blocks 2.. as text
                if isinstance(rest, str) and rest.strip():
                    out.extend(split_blocks(rest))
        return out
    return split_blocks(_decoded(part))


def split_blocks(body: str) -> list[Message]:
    """Blank-line separated header blocks, each parsed as a header section."""
    return [_HEADERS.parsestr(b.strip() + "\n") for b in _BLANK_LINE.split(body) if b.strip()]


def original(msg: Message) -> Message | None:
    """The headers of the message a report is about (message/rfc822 or text/rfc822-headers)."""
    part = first_part(msg, _ORIGINAL_MESSAGE + _ORIGINAL_HEADERS)
    if part is None:
        return None
    if part.get_content_type() in _ORIGINAL_HEADERS:
        return _HEADERS.parsestr(_decoded(part))
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    return None


def addresses(msg: Message | None, name: str) -> list[tuple[str, str]]:
    """(display name, lower-cased address) of every address in the `name` headers."""
    pairs = getaddresses(headers(msg, name))
    return [(n.strip(), a.strip().lower()) for n, a in pairs if "@" in a]


def header_meta(msg: Message | None, names: tuple[str, ...]) -> str | None:
    """The first header named like one of `names` ("campaign" finds X-Campaign too)."""
    if msg is None or not names:
        return None
    present: dict[str, str] = {}
    for field, _ in msg.raw_items():
        key = meta_key(field)
        present.setdefault(key, field)
        if key.startswith("x_"):
            present.setdefault(key[2:], field)
    for name in names:
        field_name = present.get(meta_key(name))
        if field_name and (value := header(msg, field_name)):
            return value
    return None
