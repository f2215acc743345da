"""Bounce classification: provider fields -> canonical kind, as one auditable table.

Pure and table-driven. A parser names the provider's *category* (SES
`eventType`/`notificationType`, Mailgun `event`, SendGrid `event`, a DSN's `Action`),
a *qualifier* (SES `bounceType/bounceSubType`, Mailgun `severity/reason` or legacy
`reason`, SendGrid bounce `type` or dropped `reason`, an ARF `Feedback-Type`) and the
provider's code; `RULES` below maps them to a verdict. The provider's own category
decides first; RFC 3463 enhanced status codes (5.x.x permanent, 4.x.x transient)
decide where the provider leaves it open (verdict BY_CODE; BY_STATUS for raw DSNs),
and promote a provider "transient" to hard when the code says the address does not
exist (5.1.1, 5.1.2, 5.1.10, 5.4.4).

Lookup: the most specific row wins. Rows naming a code beat rows that do not;
then the full qualifier beats its part before "/" (SES "transient/general" ->
"transient"), which beats "*". A category with no row at all is IGNORED
and noted as unrecognised: every documented event type has a row, so one without is a
format change (the processor counts it and dead-letters it if it named a recipient).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Final

from shared.classification_rules import (
    _SES,
    ADDRESS_GONE,
    ANY,
    IGNORED,
    MESSAGE_LEVEL_DETAIL,
    MESSAGE_LEVEL_SUBJECT,
    RULES,
    Rule,
    Verdict,
)
from shared.models import EventKind, Source

__all__ = [
    "ADDRESS_GONE",
    "ANY",
    "RULES",
    "Classification",
    "Rule",
    "Unrecognised",
    "Verdict",
    "classify",
    "extract_enhanced_code",
    "extract_smtp_code",
    "lookup",
    "note_unrecognised",
    "recording_unrecognised",
]

_NO_RULE: Final = Rule(_SES, "", ANY, ANY, IGNORED, "no row: not an event that matters")
_INDEX: Final[dict[tuple[Source, str, str, str], Rule]] = {
    (r.source, r.category, r.qualifier, r.code): r for r in RULES
}
_CATEGORIES: Final = frozenset((r.source, r.category) for r in RULES)
if len(_INDEX) != len(RULES):  # pragma: no cover - a table edit error, caught at import
    raise RuntimeError("shared.classification.RULES has duplicate rows")

_FIXED: Final[dict[Verdict, EventKind]] = {
    Verdict.HARD: EventKind.HARD,
    Verdict.SOFT: EventKind.SOFT,
    Verdict.COMPLAINT: EventKind.COMPLAINT,
    Verdict.DELIVERY: EventKind.DELIVERY,
    Verdict.IGNORED: EventKind.IGNORED,
}
_CLASS_KIND: Final = {"5": EventKind.HARD, "4": EventKind.SOFT}

# An RFC 3463 status code; not part of a longer dotted number (an IP address, a version).
ENHANCED_CODE_RE: Final = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?!\d|\.\d)")
_ENHANCED_FULL: Final = re.compile(r"\s*([245])\.(\d{1,3})\.(\d{1,3})\s*")
# An SMTP reply code at the start of the text, after an optional DSN diagnostic type
# ("smtp; 550 ...", "smtp;550-5.1.1 ...", "550 ..."), ...
_SMTP_LEADING: Final = re.compile(r"\s*(?:[A-Za-z][\w.-]*;\s*)?([2-5]\d\d)(?![\d.])")
# ... or anywhere when an enhanced code follows it ("... said: 550 5.1.1 ...").
_SMTP_PAIRED: Final = re.compile(r"(?<![\d.])([2-5]\d\d)[ -]+[245]\.\d{1,3}\.\d{1,3}")
_CODE_FULL: Final = re.compile(r"\s*(\d{3})\s*")
_AUTOREPLY: Final = re.compile(
    r"out[- ]of[- ](?:the[- ])?office|auto[- ]?reply|automatic reply|auto[- ]?responder"
    r"|vacation (?:message|reply|notice)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Classification:
    """The canonical reading of one provider event about one recipient."""

    kind: EventKind
    subtype: str | None
    smtp_code: str | None
    enhanced_code: str | None
    diagnostic: str | None
    why: str


def extract_enhanced_code(text: str | None) -> str | None:
    """The first RFC 3463 enhanced status code in `text` ("5.1.1"), or None."""
    if not text:
        return None
    m = ENHANCED_CODE_RE.search(text)
    return f"{m[1]}.{m[2]}.{m[3]}" if m else None


def extract_smtp_code(text: str | None) -> str | None:
    """The 3-digit SMTP reply code of a diagnostic such as "smtp; 550 5.1.1 <a@b>... User"."""
    if not text:
        return None
    m = _SMTP_LEADING.match(text) or _SMTP_PAIRED.search(text)
    return m[1] if m else None


@dataclass(frozen=True, slots=True)
class Unrecognised:
    """An event type no row of the table knows: a provider format change to look at."""

    source: Source
    category: str
    with_recipient: bool  # it named a recipient we could not classify


_UNRECOGNISED: ContextVar[list[Unrecognised] | None] = ContextVar(
    "bounceflow_unrecognised", default=None
)


@contextmanager
def recording_unrecognised() -> Iterator[list[Unrecognised]]:
    """Collect, for the duration, the unknown event types lookups and parsers meet."""
    seen: list[Unrecognised] = []
    token = _UNRECOGNISED.set(seen)
    try:
        yield seen
    finally:
        _UNRECOGNISED.reset(token)


def note_unrecognised(source: Source, category: str, *, with_recipient: bool) -> None:
    """Record an unknown event type (a no-op outside `recording_unrecognised`)."""
    seen = _UNRECOGNISED.get()
    if seen is not None:
        seen.append(Unrecognised(source, category, with_recipient))


def lookup(source: Source, category: str, qualifier: str = "", code: str = "") -> Rule:
    """The table row for these provider fields (lower-case category and qualifier).

    A category with no row at all is noted as unrecognised (see `recording_unrecognised`).
    """
    if (source, category) not in _CATEGORIES:
        note_unrecognised(source, category, with_recipient=False)
        return _NO_RULE
    return _lookup(source, category, qualifier, code)


def _lookup(source: Source, category: str, qualifier: str, code: str) -> Rule:
    head = qualifier.split("/", 1)[0]
    for c in (code, ANY) if code else (ANY,):
        for q in (qualifier, head, ANY):
            rule = _INDEX.get((source, category, q, c))
            if rule is not None:
                return rule
    return _NO_RULE


def _codes(
    code: str | int | None, status: str | None, diagnostic: str | None
) -> tuple[str | None, str | None]:
    smtp: str | None = None
    enhanced: str | None = None
    if status and (m := _ENHANCED_FULL.fullmatch(status)):
        enhanced = f"{m[1]}.{m[2]}.{m[3]}"
    if code is not None and not isinstance(code, bool):
        text = str(code)
        if m := _CODE_FULL.fullmatch(text):
            smtp = m[1]
        elif enhanced is None and (m := _ENHANCED_FULL.fullmatch(text)):
            enhanced = f"{m[1]}.{m[2]}.{m[3]}"  # Mailgun legacy `code` may be "5.1.1"
    if diagnostic:
        if enhanced is None:
            enhanced = extract_enhanced_code(diagnostic)
        if smtp is None:
            smtp = extract_smtp_code(diagnostic)
    return smtp, enhanced


def _by_code(enhanced: str | None, smtp: str | None) -> EventKind:
    if enhanced:
        return _CLASS_KIND.get(enhanced[0], EventKind.SOFT)
    if smtp:
        return _CLASS_KIND.get(smtp[0], EventKind.SOFT)
    return EventKind.SOFT


def _by_status(enhanced: str | None, smtp: str | None) -> EventKind:
    if enhanced in ADDRESS_GONE:
        return EventKind.HARD
    if enhanced:
        _, subject, detail = enhanced.split(".")
        if subject in MESSAGE_LEVEL_SUBJECT or f"{subject}.{detail}" in MESSAGE_LEVEL_DETAIL:
            return EventKind.SOFT
    return _by_code(enhanced, smtp)


def _resolve(
    verdict: Verdict, enhanced: str | None, smtp: str | None, diagnostic: str | None
) -> EventKind:
    fixed = _FIXED.get(verdict)
    if fixed is not None:
        return fixed
    if verdict is Verdict.BY_CODE:
        return _by_code(enhanced, smtp)
    if verdict is Verdict.BY_STATUS:
        return _by_status(enhanced, smtp)
    # TRANSIENT / TRANSIENT_OR_AUTOREPLY
    if diagnostic and _AUTOREPLY.search(diagnostic):
        return EventKind.IGNORED
    if verdict is Verdict.TRANSIENT_OR_AUTOREPLY and enhanced is None and not diagnostic:
        return EventKind.IGNORED
    if enhanced in ADDRESS_GONE:
        return EventKind.HARD
    return EventKind.SOFT


def classify(
    source: Source,
    category: str,
    qualifier: str = "",
    *,
    code: str | int | None = None,
    status: str | None = None,
    diagnostic: str | None = None,
    subtype: str | None = None,
) -> Classification:
    """Classify one provider event.

    `category` and `qualifier` are the provider's fields, lower-case (see RULES);
    `code` the provider's numeric code (SMTP reply or Mailgun-internal; a legacy
    Mailgun "5.1.1" is read as an enhanced code), `status` an explicit RFC 3463
    code field, `diagnostic` the server's text, from which missing codes are taken.
    """
    if (source, category) not in _CATEGORIES:
        note_unrecognised(source, category, with_recipient=True)
    args = (source, category, qualifier, code, status, diagnostic, subtype)
    if _cacheable(args):
        return _classified(*args)
    return _classify(*args)


def _cacheable(args: tuple[object, ...]) -> bool:
    """Hashable (a fuzzed `code` may be a list) and small: what one cached entry costs."""
    size = 0
    for a in args:
        if type(a) is str:
            size += len(a)
        elif not (a is None or type(a) is int or isinstance(a, Source)):
            return False
    return size <= _CACHED_LENGTH


_CACHED_LENGTH: Final = 2048  # characters of all text arguments together


def _classify(
    source: Source,
    category: str,
    qualifier: str,
    code: str | int | None,
    status: str | None,
    diagnostic: str | None,
    subtype: str | None,
) -> Classification:
    diag = (diagnostic.strip() or None) if diagnostic else None
    smtp, enhanced = _codes(code, status, diag)
    if (source, category) in _CATEGORIES:
        rule = _lookup(source, category, qualifier, smtp or "")
    else:
        rule = _NO_RULE
    kind = _resolve(rule.verdict, enhanced, smtp, diag)
    return Classification(kind, subtype or None, smtp, enhanced, diag, rule.why)


# Pure, and a provider sends the same few combinations over and over: cached (typed:
# a `code` of True is no code, 1 is one).
_classified = functools.lru_cache(maxsize=4096, typed=True)(_classify)
