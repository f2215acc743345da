"""Provider parsers: one raw provider request -> the canonical events that matter.

Pure functions (no I/O, no clock). `parse` returns only hard, soft, complaint and
delivery events; everything a provider sends that is not one of those (opens,
clicks, sends, delays, SNS control messages) yields nothing. What is unreadable
raises `ParseError` with a human reason, and nothing else ever escapes.
Classification rules live in `shared.classification`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from services.processor.parsers import mailgun, sendgrid, ses
from services.processor.parsers._common import ParseError
from shared.models import CanonicalEvent
from shared.raw import RawEvent

__all__ = ["ParseError", "parse"]

_PARSERS: Final[dict[str, Callable[[RawEvent], list[CanonicalEvent]]]] = {
    "ses": ses.parse,
    "mailgun": mailgun.parse,
    "sendgrid": sendgrid.parse,
}


def parse(raw: RawEvent) -> list[CanonicalEvent]:
    """The canonical events of `raw`, dispatched on `raw.provider`.

    Raises ParseError (and only ParseError) when the provider is unknown or the
    request cannot be read.
    """
    parser = _PARSERS.get(raw.provider)
    if parser is None:
        raise ParseError(f"unknown provider {raw.provider!r}")
    try:
        return parser(raw)
    except ParseError:
        raise
    except Exception as exc:  # the contract: a bad payload is a ParseError, whatever broke
        raise ParseError(
            f"{raw.provider}: malformed payload ({type(exc).__name__}: {exc})"
        ) from exc
