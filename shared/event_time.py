"""The event-time rule (CONTRACT §3): no source may date an event in the future.

A provider's (or an import's) event time later than the moment we received it, plus
five minutes of clock skew, is clamped to the received-at time; the reported value
is kept beside it. Otherwise a complaint dated 2045 would outrank every later manual
reactivation, since the policy orders an address's events by time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

MAX_CLOCK_SKEW: Final = timedelta(minutes=5)


def clamp(occurred_at: datetime, received_at: datetime) -> tuple[datetime, datetime | None]:
    """(the time to use, the reported time when it was clamped else None)."""
    if occurred_at > received_at + MAX_CLOCK_SKEW:
        return received_at, occurred_at
    return occurred_at, None
