"""Times on the command line (`bounceflow replay --since/--until`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.cli_time import parse_time

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def test_rfc3339_and_naive_utc() -> None:
    assert parse_time("2026-01-09T08:30:00Z") == datetime(2026, 1, 9, 8, 30, tzinfo=UTC)
    assert parse_time("2026-01-09T08:30:00") == datetime(2026, 1, 9, 8, 30, tzinfo=UTC)
    east = parse_time("2026-01-09T08:30:00+02:00")
    assert east.utcoffset() == timezone(timedelta(hours=2)).utcoffset(None)
    assert parse_time("2026-01-09") == datetime(2026, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "ago"),
    [
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("24h", timedelta(days=1)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
    ],
)
def test_durations_back_from_now(text: str, ago: timedelta) -> None:
    assert parse_time(text, NOW) == NOW - ago


@pytest.mark.parametrize("text", ["yesterday", "", "24", "-1h", "2026-13-01T00:00:00Z"])
def test_bad_times_name_the_forms(text: str) -> None:
    with pytest.raises(ValueError, match="RFC 3339 time"):
        parse_time(text, NOW)
