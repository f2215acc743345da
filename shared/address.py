"""The address rule: how every part of bounceflow normalises and validates an email address.

Parsers (provider events), importers (suppression CSVs) and the management API
all store and look up addresses in this one form, so "Jane <Jane@Bücher.example>"
from a provider, "jane@xn--bcher-kva.example" from an import and a lookup of
"JANE@bücher.example" meet on one subscriber row.

normalise: strip surrounding ASCII whitespace; take the bare address out of
"Name <addr>"; Unicode NFC; lower-case; a non-ASCII domain IDNA-encoded
(IDNA 2008 with UTS #46 mapping, the `idna` package: what browsers and mail
software use today, unlike Python's built-in IDNA 2003 codec, which maps "ß"
to "ss" and so names another domain than the one the user wrote). A non-ASCII
domain IDNA refuses is kept as written (NFC, lower-case): it cannot be a real
domain, but refusing it would refuse reports the rest of the rule accepts.
valid: exactly one @ with something either side, no ASCII whitespace, control
character or NUL, at most 320 characters.

Only ASCII whitespace is stripped or refused: a character such as U+0085 is part
of what a provider reported, not padding.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Final

import idna

MAX_LENGTH: Final = 320  # RFC 3696 errata: 64 + 1 + 255
ASCII_WHITESPACE: Final = " \t\r\n\x0b\x0c"
# one @, something either side, no ASCII whitespace, controls or NUL
PATTERN: Final = r"^[^@\x00-\x20\x7f]+@[^@\x00-\x20\x7f]+$"
_VALID = re.compile(PATTERN)
_ANGLE = re.compile(r"<([^<>]*)>\s*$")


def normalise(value: str) -> str | None:
    """The address in its stored form, or None when `value` is not an address."""
    if len(value) <= _CACHED_LENGTH:
        return _normalised(value)
    return _normalise(value)


_CACHED_LENGTH: Final = 2 * MAX_LENGTH  # room for a display name; longer ones are rare


# An address's events come close together (its deliveries, then its bounce): cached, with
# a bound on what a cached key may cost.
@functools.lru_cache(maxsize=16384)
def _normalised(value: str) -> str | None:
    return _normalise(value)


def _normalise(value: str) -> str | None:
    addr = value.strip(ASCII_WHITESPACE)
    if (m := _ANGLE.search(addr)) is not None:  # "Name <addr>"; a lone "<" is just a character
        addr = m[1].strip(ASCII_WHITESPACE)
    addr = unicodedata.normalize("NFC", addr).lower()
    local, at, domain = addr.rpartition("@")
    if at and not domain.isascii():
        try:
            addr = f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"
        except idna.IDNAError:
            pass  # no IDN (a provider's odd report, a typo): kept as written, NFC and lower-case
    return addr if is_valid(addr) else None


def is_valid(addr: str) -> bool:
    """Whether `addr` (already normalised) passes the rule."""
    return len(addr) <= MAX_LENGTH and _VALID.fullmatch(addr) is not None


def fold(value: str) -> str:
    """The key to look `value` up by: its normal form, or, for something that is no valid
    address (it can match nothing stored), just stripped and lower-cased."""
    return normalise(value) or value.strip(ASCII_WHITESPACE).lower()
