"""Sending health from event counts: rates and seed 002's thresholds. Pure.

    sent              delivered + hard + soft (every message whose outcome is known)
    bounce_rate       (hard + soft) / sent
    hard_bounce_rate  hard / sent          < 2 % safe, 2-5 % warning, > 5 % danger (seed 002)
    complaint_rate    complaints / delivered   < 0.10 % safe (seed 002: Google and Yahoo),
                                           0.10-0.30 % warning, > 0.30 % danger (Google's
                                           "never reach 0.30 %")

Rates are fractions (0.02 is 2 %), 0.0 when nothing was sent. Complaints with no
recorded delivery count as a 100 % complaint rate. The thresholds compare exact
integers, so 2 % and 5 % themselves are "warning", as seed 002's "2%-5%" reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["safe", "warning", "danger"]
_ORDER: dict[Level, int] = {"safe": 0, "warning": 1, "danger": 2}
RATE_DIGITS = 6


@dataclass(frozen=True, slots=True)
class Counts:
    delivered: int = 0
    hard: int = 0
    soft: int = 0
    complaints: int = 0

    @property
    def sent(self) -> int:
        return self.delivered + self.hard + self.soft

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.delivered + other.delivered,
            self.hard + other.hard,
            self.soft + other.soft,
            self.complaints + other.complaints,
        )


def rate(part: int, whole: int) -> float:
    """part / whole, rounded to 6 digits; 0.0 for nothing at all, 1.0 for a part of nothing."""
    if whole == 0:
        return 1.0 if part else 0.0
    return round(part / whole, RATE_DIGITS)


def hard_bounce_level(hard: int, sent: int) -> Level:
    """< 2 % safe, 2-5 % warning, > 5 % danger."""
    if hard == 0 or hard * 50 < sent:
        return "safe"
    return "danger" if hard * 20 > sent else "warning"


def complaint_level(complaints: int, delivered: int) -> Level:
    """< 0.10 % safe, 0.10-0.30 % warning, > 0.30 % danger."""
    if complaints == 0 or complaints * 1000 < delivered:
        return "safe"
    return "danger" if complaints * 1000 > 3 * delivered else "warning"


def worst(*levels: Level) -> Level:
    return max(levels, key=_ORDER.__getitem__)


@dataclass(frozen=True, slots=True)
class Health:
    bounce_rate: float
    hard_bounce_rate: float
    complaint_rate: float
    bounce_status: Level
    complaint_status: Level
    status: Level


def health(counts: Counts) -> Health:
    """The rates and levels of `counts`."""
    bounce = hard_bounce_level(counts.hard, counts.sent)
    complaint = complaint_level(counts.complaints, counts.delivered)
    return Health(
        bounce_rate=rate(counts.hard + counts.soft, counts.sent),
        hard_bounce_rate=rate(counts.hard, counts.sent),
        complaint_rate=rate(counts.complaints, counts.delivered),
        bounce_status=bounce,
        complaint_status=complaint,
        status=worst(bounce, complaint),
    )
