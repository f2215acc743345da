"""Times given on the command line: RFC 3339 / ISO 8601, or a duration back from now."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_AGO = re.compile(r"^(\d{1,6})([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
HELP = (
    "an RFC 3339 time like 2026-01-10T12:00:00Z (UTC when no offset), "
    "or a duration ago like 24h, 7d"
)


def parse_time(text: str, now: datetime | None = None) -> datetime:
    """`text` as an aware datetime; ValueError with a short reason otherwise."""
    text = text.strip()
    ago = _AGO.fullmatch(text)
    if ago:
        return (now or datetime.now(UTC)) - timedelta(**{_UNITS[ago[2]]: int(ago[1])})
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not {HELP}") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when
