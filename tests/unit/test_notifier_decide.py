"""The retry decision and Retry-After parsing (shared.webhook_deliveries.outcomes). Pure, no I/O."""

from __future__ import annotations

import pytest

from shared.webhook_deliveries.outcomes import AttemptResult, Kind, decide, parse_retry_after


def _result(status: int | None, retry_after: float | None = None) -> AttemptResult:
    return AttemptResult(status, 12.0, None if status else "timed out", None, retry_after)


@pytest.mark.parametrize(
    ("status", "before", "kind", "retry_in"),
    [
        (200, 0, Kind.SUCCEEDED, None),
        (299, 3, Kind.SUCCEEDED, None),
        (500, 0, Kind.RETRY, 5.0),
        (None, 1, Kind.RETRY, 300.0),
        (302, 2, Kind.RETRY, 1800.0),
        (500, 3, Kind.FAILED, None),
        (410, 0, Kind.GONE, None),
    ],
)
def test_decide(status: int | None, before: int, kind: Kind, retry_in: float | None) -> None:
    outcome = decide(_result(status), before, (5.0, 300.0, 1800.0), jitter=1.0)
    assert (outcome.kind, outcome.retry_in) == (kind, retry_in)


def test_decide_retry_after_bounds() -> None:
    delays = (5.0, 300.0)
    assert decide(_result(429, 60), 0, delays, 1.0).retry_in == 60  # later than schedule: honoured
    assert decide(_result(503, 1), 0, delays, 1.0).retry_in == 5  # never earlier than schedule
    assert decide(_result(429, 86400), 0, delays, 1.0).retry_in == 3600  # capped at an hour
    assert decide(_result(500, 60), 0, delays, 1.0).retry_in == 5  # only on 429/503
    assert decide(_result(500), 0, delays, 1.2).retry_in == pytest.approx(6.0)


def test_parse_retry_after() -> None:
    now = 1_750_000_000.0
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after(None, now) is None
    assert parse_retry_after("soon", now) is None
    http_date = "Sun, 15 Jun 2025 15:08:20 GMT"  # now + 100 s
    assert parse_retry_after(http_date, now) == pytest.approx(100)
