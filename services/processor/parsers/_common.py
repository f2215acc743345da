"""Helpers shared by the provider parsers: JSON, addresses, times, metadata, events."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import idna
import orjson
from pydantic import ValidationError

from shared import address
from shared.classification import Classification
from shared.models import CanonicalEvent, Source

_MAX_KEY: Final = 512
_DIGITS: Final = re.compile(r"\s*(\d{1,20})(?:\.\d*)?\s*")
_MS_THRESHOLD: Final = 10**11  # epoch seconds reach 10**11 in the year 5138
_LABEL: Final = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_ANGLE_ADDR: Final = re.compile(r"<\s*([^<>\s]+)\s*>\s*$")  # "Name <addr>" in a sender field
_MAX_DOMAIN: Final = 253


class ParseError(Exception):
    """The raw event cannot be read; the message says why, for a human."""


@dataclass(frozen=True, slots=True)
class MetadataKeys:
    """Tag / custom-variable names that carry the bounce log's metadata, in priority order.

    SES `mail.tags`, Mailgun `user-variables` (legacy: form fields), SendGrid custom
    args and, for raw bounce messages, headers of the original message (`X-<key>` too).
    Names match case-insensitively with "_" and "-" alike ("campaign_name" finds
    "Campaign-Name"). `sending_domain` is only the fallback where the payload names no
    sender. Settings: BOUNCEFLOW_CAMPAIGN_KEYS, BOUNCEFLOW_SUBSCRIBER_NAME_KEYS,
    BOUNCEFLOW_SENDING_DOMAIN_KEYS.
    """

    campaign: tuple[str, ...] = ("campaign_name", "campaign")
    subscriber_name: tuple[str, ...] = ("subscriber_name", "name")
    sending_domain: tuple[str, ...] = ("sending_domain", "domain")

    @classmethod
    def from_csv(
        cls, campaign: str, subscriber_name: str, sending_domain: str = "sending_domain,domain"
    ) -> MetadataKeys:
        """Keys from comma-separated settings ("campaign_name,campaign"); blanks dropped."""
        return cls(_names(campaign), _names(subscriber_name), _names(sending_domain))


def _names(csv: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n.strip() for n in csv.split(",") if n.strip()))


DEFAULT_KEYS: Final = MetadataKeys()


@functools.lru_cache(maxsize=2048)  # the same few key names, event after event
def meta_key(name: str) -> str:
    """The form a metadata name is compared in: lower-case, "-" read as "_"."""
    return name.strip().lower().replace("-", "_")


@dataclass(frozen=True, slots=True)
class Metadata:
    """What a mapping of tags / custom variables says: the first non-empty value under
    each of a MetadataKeys' name lists (`sending_domain` as found: a domain or an address)."""

    campaign: str | None = None
    subscriber_name: str | None = None
    sending_domain: str | None = None


_NO_METADATA: Final = Metadata()


@functools.lru_cache(maxsize=64)  # one MetadataKeys per process, in practice
def _wanted(keys: MetadataKeys) -> frozenset[str]:
    return frozenset(
        meta_key(n) for n in (*keys.campaign, *keys.subscriber_name, *keys.sending_domain)
    )


def _index(mapping: Mapping[Any, object], wanted: frozenset[str]) -> dict[str, object]:
    """The `wanted` values by compared name; of two keys that compare equal, the first."""
    index: dict[str, object] = {}
    for k, v in mapping.items():
        if isinstance(k, str):
            name = meta_key(k)
            if name in wanted and name not in index:
                index[name] = v
    return index


def _first(index: Mapping[str, object], names: tuple[str, ...]) -> str | None:
    for name in names:
        if value := first_text(index.get(meta_key(name))):
            return value
    return None


def metadata_of(mapping: Mapping[Any, object], keys: MetadataKeys) -> Metadata:
    """The campaign, subscriber name and sending domain `mapping` names under `keys`:
    one pass over it (a SendGrid event carries its custom args among a dozen fields)."""
    if not mapping:
        return _NO_METADATA
    index = _index(mapping, _wanted(keys))
    if not index:
        return _NO_METADATA
    return Metadata(
        _first(index, keys.campaign),
        _first(index, keys.subscriber_name),
        _first(index, keys.sending_domain),
    )


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
    """`value` as a non-empty stripped string, or None (numbers are stringified).

    NUL characters are dropped: Postgres text cannot hold them, and a stray one must
    not make the database reject an otherwise good event."""
    if isinstance(value, str):
        return value.replace("\x00", "").strip() or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def first_text(value: object) -> str | None:
    """A string, or the first element of a list of strings (tags, categories)."""
    if isinstance(value, list):
        return text(value[0]) if value else None
    return text(value)


def address_of(value: object, what: str) -> str:
    """The recipient in its stored form (shared.address); ParseError naming `what` if none."""
    if not isinstance(value, str) or not value.strip():
        raise ParseError(f"{what}: recipient address missing")
    addr = address.normalise(value)
    if addr is None:
        raise ParseError(f"{what}: recipient {value!r} is not an email address")
    return addr


def domain_of(value: object) -> str | None:
    """The domain of an address or a domain name, or None when it names none.

    "Jane <Jane@Mail.Example.com>" and "mail.example.com." give "mail.example.com";
    internationalised names give their ASCII (IDNA) form ("bücher.example" ->
    "xn--bcher-kva.example"). Junk, a bare host name, an address literal ("[192.0.2.1]")
    or the null sender ("<>") give None: the sending domain is metadata, never a reason
    to fail a parse."""
    s = text(value)
    if s is None or len(s) > 2 * _MAX_DOMAIN + 64:
        return None
    return _domain(s)


@functools.lru_cache(maxsize=4096)
def _domain(s: str) -> str | None:
    """domain_of for a string of bounded length; cached: a batch names few domains."""
    if "<" in s or ">" in s:
        m = _ANGLE_ADDR.search(s)
        if m is None:
            return None
        s = m[1]
    s = s.rpartition("@")[2].strip().rstrip(".")
    if not s.isascii():
        try:
            s = idna.encode(s, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError):
            return None
    s = s.lower()
    labels = s.split(".")
    if len(s) > _MAX_DOMAIN or len(labels) < 2 or labels[-1].isdigit():
        return None
    return s if all(_LABEL.fullmatch(label) for label in labels) else None


def first_domain(*candidates: object) -> str | None:
    """The domain of the first candidate (address or domain) that names one."""
    for candidate in candidates:
        if (domain := domain_of(candidate)) is not None:
            return domain
    return None


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
    sending_domain: str | None,
) -> CanonicalEvent:
    """Build a CanonicalEvent; a too-long key is hashed, invalid data is a ParseError.

    Free text (subtype, diagnostic) loses NUL characters, which Postgres cannot store."""
    dedup_key = dedup_key.replace("\x00", "")
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
            bounce_subtype=text(c.subtype),
            smtp_code=c.smtp_code,
            enhanced_code=c.enhanced_code,
            diagnostic=text(c.diagnostic),
            provider_message_id=provider_message_id,
            campaign_name=campaign_name,
            subscriber_name=subscriber_name,
            sending_domain=domain_of(sending_domain),
        )
    except ValidationError as exc:
        errors = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ParseError(f"{source.value}: invalid event for {email!r}: {errors}") from None
