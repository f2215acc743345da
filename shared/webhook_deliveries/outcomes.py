"""What one delivery attempt means for its delivery: pure, no I/O, no clock reads."""

from __future__ import annotations

import email.utils
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

# Retry-After may push a retry later than the schedule, but never by more than this (seconds).
MAX_RETRY_AFTER = 3600.0
# Statuses whose Retry-After header we honour.
RETRY_AFTER_STATUSES = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """What happened on the wire. `status_code` is None when no answer came."""

    status_code: int | None
    latency_ms: float
    error: str | None = None
    response_body: str | None = None
    retry_after: float | None = None  # seconds, already parsed

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Kind(StrEnum):
    SUCCEEDED = "succeeded"
    RETRY = "retry"
    FAILED = "failed"  # retries exhausted: dead-lettered, replayable
    GONE = "gone"  # 410: the endpoint asked to be removed; it is disabled


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: Kind
    retry_in: float | None = None  # seconds until the next attempt (RETRY only)
    reason: str | None = None  # stored as last_error / disabled_reason


def describe_failure(result: AttemptResult) -> str:
    """A short reason for a failed attempt, for last_error and the logs."""
    if result.error:
        return result.error
    return f"HTTP {result.status_code}"


def decide(
    result: AttemptResult, attempts_before: int, delays: Sequence[float], jitter: float
) -> Outcome:
    """The delivery's fate after an attempt.

    `attempts_before` is the number of earlier attempts; `delays[i]` is the wait
    (seconds) after failed attempt i+1, so a delivery gets 1 + len(delays) attempts.
    `jitter` (about 0.8..1.2) spreads retries so endpoints are not hit in waves.
    """
    if result.ok:
        return Outcome(Kind.SUCCEEDED)
    if result.status_code == 410:
        return Outcome(Kind.GONE, reason="endpoint answered 410 Gone")
    attempts = attempts_before + 1
    reason = describe_failure(result)
    if attempts > len(delays):
        return Outcome(Kind.FAILED, reason=reason)
    delay = delays[attempts - 1] * jitter
    if result.status_code in RETRY_AFTER_STATUSES and result.retry_after is not None:
        # never earlier than our schedule, never later than an hour past it
        delay = max(delay, min(result.retry_after, MAX_RETRY_AFTER))
    return Outcome(Kind.RETRY, retry_in=delay, reason=reason)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None if absent/bad.

    `now` is the current unix time in seconds, used for the HTTP-date form.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)
