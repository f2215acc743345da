"""Provider parsers: one raw provider request -> the canonical events that matter.

Pure functions (no I/O, no clock). `parse` returns only hard, soft, complaint and
delivery events; everything a provider sends that is not one of those (opens,
clicks, sends, delays, SNS control messages, auto-replies) yields nothing. What is
unreadable raises `ParseError` with a human reason, and nothing else ever escapes.
Classification rules live in `shared.classification`; which provider tags carry the
campaign, the subscriber name and (where the payload names no sender) the sending domain
is a `MetadataKeys` (settings).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from services.processor.parsers import (
    brevo,
    dsn,
    mailersend,
    mailgun,
    mailjet,
    mailtrap,
    mandrill,
    postal,
    postmark,
    resend,
    sendgrid,
    ses,
    sparkpost,
    unisender_go,
)
from services.processor.parsers._common import DEFAULT_KEYS, MetadataKeys, ParseError
from shared.classification import Unrecognised, recording_unrecognised
from shared.models import CanonicalEvent
from shared.raw import RawEvent

__all__ = [
    "DEFAULT_KEYS",
    "PARSERS",
    "MetadataKeys",
    "ParseError",
    "Parsed",
    "parse",
    "parse_recording",
]


@dataclass(frozen=True, slots=True)
class Parsed:
    """The events of one raw request, and the event types in it no table row knows."""

    events: list[CanonicalEvent]
    unrecognised: list[Unrecognised]

    @property
    def unclassifiable(self) -> bool:
        """It named a recipient under an unknown event type: dead-letter, never drop."""
        return any(u.with_recipient for u in self.unrecognised)


PARSERS: Final[dict[str, Callable[[RawEvent, MetadataKeys], list[CanonicalEvent]]]] = {
    "ses": ses.parse,
    "mailgun": mailgun.parse,
    "sendgrid": sendgrid.parse,
    "postmark": postmark.parse,
    "sparkpost": sparkpost.parse,
    "mailjet": mailjet.parse,
    "brevo": brevo.parse,
    "mandrill": mandrill.parse,
    "dsn": dsn.parse,
    "resend": resend.parse,
    "postal": postal.parse,
    "mailersend": mailersend.parse,
    "unisender_go": unisender_go.parse,
    "mailtrap": mailtrap.parse,
}


def parse_recording(raw: RawEvent, keys: MetadataKeys = DEFAULT_KEYS) -> Parsed:
    """`parse`, plus the unknown event types met on the way (CONTRACT: nothing is dropped
    silently -- the processor counts them, and dead-letters what it cannot classify)."""
    with recording_unrecognised() as seen:
        events = parse(raw, keys)
    return Parsed(events, seen)


def parse(raw: RawEvent, keys: MetadataKeys = DEFAULT_KEYS) -> list[CanonicalEvent]:
    """The canonical events of `raw`, dispatched on `raw.provider`.

    `keys` names the tags / custom variables read as campaign, subscriber name and
    sending domain.
    Raises ParseError (and only ParseError) when the provider is unknown or the
    request cannot be read.
    """
    parser = PARSERS.get(raw.provider)
    if parser is None:
        raise ParseError(f"unknown provider {raw.provider!r}")
    try:
        return parser(raw, keys)
    except ParseError:
        raise
    except Exception as exc:  # the contract: a bad payload is a ParseError, whatever broke
        raise ParseError(
            f"{raw.provider}: malformed payload ({type(exc).__name__}: {exc})"
        ) from exc
