"""The event-time clamp (CONTRACT §3), pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.event_time import MAX_CLOCK_SKEW, clamp

RECEIVED = datetime(2026, 6, 18, 10, 30, tzinfo=UTC)


def test_past_and_skewed_times_are_kept() -> None:
    for when in (RECEIVED - timedelta(days=3), RECEIVED, RECEIVED + MAX_CLOCK_SKEW):
        assert clamp(when, RECEIVED) == (when, None)


def test_future_times_are_clamped_and_the_reported_one_kept() -> None:
    future = datetime(2045, 1, 1, tzinfo=UTC)
    assert clamp(future, RECEIVED) == (RECEIVED, future)
    just_over = RECEIVED + MAX_CLOCK_SKEW + timedelta(microseconds=1)
    assert clamp(just_over, RECEIVED) == (RECEIVED, just_over)
