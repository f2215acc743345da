"""Helpers shared by the provider parsers: JSON, addresses, times, event building."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any, Final

import orjson
from pydantic import ValidationError

from shared.classification import Classification
from shared.models import CanonicalEvent, Source

_MAX_KEY: Final = 512
_ANGLE_ADDR: Final = re.compile(r"<\s*([^<>\s]+)\s*>\s*$")
_DIGITS: Final = re.compile(r"\s*(\d{1,20})(?:\.\d*)?\s*")
_MS_THRESHOLD: Final = 10**11  # epoch seconds reach 10**11 in the year 5138


class ParseError(Exception):
    """The raw event cannot be read; the message says why, for a human."""


def loads(body: bytes | str, what: str) -> Any:
    """Parse JSON; ParseError naming `what` when it is not JSON."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ParseError(f"{what} is not valid JSON ({exc})") from None


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of `data` (dedup keys for formats without an event id)."""
    return hashlib.sha256(data).hexdigest()


def text(value: object) -> str | None:
    """`value` as a non-empty stripped string, or None (numbers are stringified)."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def first_text(value: object) -> str | None:
    """A string, or the first element of a list of strings (tags, categories)."""
    if isinstance(value, list):
        return text(value[0]) if value else None
    return text(value)


def normalize_email(value: object, what: str) -> str:
    """Lower-cased bare address: "Jane <Jane@Example.com>" -> "jane@example.com"."""
    if not isinstance(value, str) or not value.strip():
        raise ParseError(f"{what}: recipient address missing")
    addr = value.strip()
    if "<" in addr:
        m = _ANGLE_ADDR.search(addr)
        if m is None:
            raise ParseError(f"{what}: cannot read recipient address {value!r}")
        addr = m[1]
    if "@" not in addr or any(c.isspace() for c in addr):
        raise ParseError(f"{what}: recipient {value!r} is not an email address")
    return addr.lower()


def strip_angle(value: object) -> str | None:
    """A Message-ID without its angle brackets."""
    s = text(value)
    return (s.strip("<>").strip() or None) if s else None


def from_epoch(value: object, what: str) -> datetime:
    """Epoch seconds (int, float or digit string; milliseconds when > 10**11) -> UTC."""
    try:
        if isinstance(value, bool):
            raise TypeError
        if isinstance(value, str):
            m = _DIGITS.fullmatch(value)
            if m is None:
                raise ValueError
            seconds: float = float(value)
        elif isinstance(value, (int, float)):
            seconds = float(value)
        else:
            raise TypeError
        if seconds > _MS_THRESHOLD:
            seconds /= 1000
        return datetime.fromtimestamp(seconds, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise ParseError(f"{what}: bad timestamp {value!r}") from None


def from_iso(value: object, what: str) -> datetime:
    """ISO 8601 ("2016-01-27T14:59:38.237Z") -> aware UTC datetime."""
    if not isinstance(value, str):
        raise ParseError(f"{what}: bad timestamp {value!r}")
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ParseError(f"{what}: bad timestamp {value!r}") from None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def event(
    *,
    source: Source,
    dedup_key: str,
    email: str,
    occurred_at: datetime,
    c: Classification,
    provider_message_id: str | None,
    campaign_name: str | None,
    subscriber_name: str | None,
) -> CanonicalEvent:
    """Build a CanonicalEvent; a too-long key is hashed, invalid data is a ParseError."""
    if len(dedup_key) > _MAX_KEY:
        prefix = dedup_key.split(":", 1)[0]
        dedup_key = f"{prefix}:sha256:{sha256_hex(dedup_key.encode())}"
    try:
        return CanonicalEvent(
            dedup_key=dedup_key,
            source=source,
            kind=c.kind,
            email=email,
            occurred_at=occurred_at,
            bounce_subtype=c.subtype,
            smtp_code=c.smtp_code,
            enhanced_code=c.enhanced_code,
            diagnostic=c.diagnostic,
            provider_message_id=provider_message_id,
            campaign_name=campaign_name,
            subscriber_name=subscriber_name,
        )
    except ValidationError as exc:
        errors = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ParseError(f"{source.value}: invalid event for {email!r}: {errors}") from None
