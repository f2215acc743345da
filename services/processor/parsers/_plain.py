"""Raw messages that are no report: auto-replies, and bounces in an MTA's own format.

Helpers of dsn.py. Out-of-office / vacation replies (RFC 3834) are recognised by
their headers and subject and never count as bounces. Other bounces (Exim's
X-Failed-Recipients, qmail's QSBMF, old Microsoft, Yahoo, ... formats) are read
by flufl.bounce, GNU Mailman's detectors, which give addresses only; the status
code is then taken from the line of the bounce text that carries one.
"""

from __future__ import annotations

import re
from email import policy
from email.message import Message
from email.parser import Parser
from email.utils import getaddresses
from typing import Final

import flufl.bounce

from services.processor.parsers import _mime
from services.processor.parsers._common import ParseError, address_of
from shared.classification import Classification, classify
from shared.models import EventKind, Source

# what flufl.bounce is written for, parsed from text: its detectors expect str headers,
# which compat32 gives only when no raw 8-bit bytes are left (else email.header.Header)
_COMPAT: Final = Parser(policy=policy.compat32)
_DAEMONS: Final = frozenset({"mailer-daemon", "mailerdaemon", "mail-daemon", "postmaster"})
_AUTOREPLY_SUBJECT: Final = re.compile(
    r"auto(?:matic)?[- ]?(?:reply|response|answer)|out[- ]of[- ](?:the[- ])?office"
    r"|\bvacation\b|\babsence\b|\bautoreply\b"
    # Outlook's localized "Automatic reply:" (de, fr, es, it, nl) and German "away notice"
    r"|automatische antwort|r[ée]ponse automatique|respuesta autom[áa]tica"
    r"|risposta automatica|automatisch antwoord|abwesenheit",
    re.IGNORECASE,
)
# a line of a bounce text that carries a reply code ("550 5.1.1 <a@b>: User unknown")
_CODE_LINE: Final = re.compile(r"(?<![\d.])(?:[45]\d\d[ -]|[45]\.\d{1,3}\.\d{1,3}(?![\d.]))")
# where a plain-text bounce starts quoting the original message
_QUOTE_START: Final = re.compile(
    r"^\s*-{2,}\s*(?:this is a copy|below this line is a copy|original message)", re.I
)
_MAX_TEXT: Final = 65_536
_MAX_DIAGNOSTIC: Final = 1000


def _sender_is_daemon(msg: Message) -> bool:
    return any(a.split("@")[0] in _DAEMONS for _, a in _mime.addresses(msg, "From"))


def is_autoreply(msg: Message) -> bool:
    """An out-of-office / vacation reply (RFC 3834), not a bounce from an MTA."""
    if _sender_is_daemon(msg) or _mime.header(msg, "X-Failed-Recipients"):
        return False
    if (_mime.header(msg, "Auto-Submitted") or "").lower().startswith("auto-replied"):
        return True
    if _mime.header(msg, "X-Autoreply") or _mime.header(msg, "X-Autorespond"):
        return True
    if (_mime.header(msg, "Precedence") or "").lower() == "auto_reply":
        return True
    return bool(_AUTOREPLY_SUBJECT.search(_mime.header(msg, "Subject") or ""))


def is_automatic(msg: Message) -> bool:
    """Sent by a program (Auto-Submitted other than "no", or Exchange's suppress header)."""
    auto = (_mime.header(msg, "Auto-Submitted") or "no").lower()
    return auto != "no" or _mime.header(msg, "X-Auto-Response-Suppress") is not None


def failures(body: bytes) -> list[tuple[str, Classification]] | None:
    """(address, classification) of each failure flufl.bounce finds (delays are ignored
    by the table); None when it recognises no bounce at all."""
    compat = _COMPAT.parsestr(body.decode("utf-8", "replace"))
    if not any(a for _, a in getaddresses(compat.get_all("From", []))):
        # flufl.bounce 6.0's Yale detector indexes getaddresses(From)[0], which is empty
        # for a missing or blank From: give it the null sender instead
        del compat["From"]
        compat["From"] = "<>"
    try:
        temporary, permanent = flufl.bounce.all_failures(compat)
    except Exception as exc:  # a detector choking on odd input: unreadable, with the reason
        raise ParseError(f"dsn: bounce detection failed ({type(exc).__name__}: {exc})") from None
    if not temporary and not permanent:
        return None
    text = _body_text(compat)
    out: list[tuple[str, Classification]] = []
    for qualifier, found in (("permanent", permanent), ("temporary", temporary)):
        for raw_address in sorted(found):
            try:
                email = address_of(raw_address.decode("ascii", "replace"), "dsn")
            except ParseError:
                continue  # heuristics can pick up junk next to real addresses
            if not all(email.rpartition("@")[::2]):
                continue  # "@b", "a@": junk as well
            c = classify(Source.DSN, "unstructured", qualifier, diagnostic=_diagnostic(text, email))
            if c.kind is not EventKind.IGNORED:
                out.append((email, c))
    if permanent and not out:
        raise ParseError("dsn: flufl.bounce found no valid email address among the failures")
    return out


def _body_text(msg: Message) -> str:
    """The human-readable text of a plain bounce, up to where it quotes the original."""
    lines: list[str] = []
    for part in msg.walk():
        if part.get_content_type() != "text/plain":
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            for line in payload[:_MAX_TEXT].decode("utf-8", "replace").splitlines():
                if _QUOTE_START.match(line):
                    return "\n".join(lines)
                lines.append(line)
    return "\n".join(lines)


def _diagnostic(body: str, email: str) -> str | None:
    """The bounce text's line with a reply code, preferably one naming `email`."""
    coded = [line.strip() for line in body.splitlines() if _CODE_LINE.search(line)]
    chosen = next((line for line in coded if email in line.lower()), coded[0] if coded else None)
    return chosen[:_MAX_DIAGNOSTIC] if chosen else None
