"""The retry decision (shared.webhook_deliveries.outcomes): the default schedule, jitter bounds,
Retry-After bounds, dead letters, 410 and redirects. Pure, no I/O."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from services.notifier.dispatcher import JITTER, per_endpoint_cap
from shared.events_out import EventType
from shared.settings import Settings
from shared.webhook_deliveries.claims import Claim
from shared.webhook_deliveries.outcomes import MAX_RETRY_AFTER, AttemptResult, Kind, decide

# Svix: now, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h
SVIX = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)


def failed(status: int | None = 500, retry_after: float | None = None) -> AttemptResult:
    return AttemptResult(status, 3.0, None if status else "timed out", None, retry_after)


def test_the_default_schedule_is_svix_and_about_a_day() -> None:
    delays = Settings(_env_file=None).retry_delays
    assert delays == SVIX
    assert 1 + len(delays) == 8  # attempts in all
    assert 0.9 * 86400 < sum(delays) < 1.2 * 86400


def test_each_attempt_waits_its_tier_then_the_last_dead_letters() -> None:
    waits = []
    for before in range(len(SVIX)):
        outcome = decide(failed(), before, SVIX, jitter=1.0)
        assert outcome.kind is Kind.RETRY
        waits.append(outcome.retry_in)
    assert tuple(waits) == SVIX
    last = decide(failed(), len(SVIX), SVIX, jitter=1.0)
    assert (last.kind, last.reason) == (Kind.FAILED, "HTTP 500")


def test_jitter_stays_within_twenty_percent() -> None:
    rng = random.Random(7)
    for before, base in enumerate(SVIX):
        for _ in range(50):
            outcome = decide(failed(None), before, SVIX, rng.uniform(*JITTER))
            assert outcome.retry_in is not None
            assert 0.8 * base <= outcome.retry_in <= 1.2 * base


@pytest.mark.parametrize("status", [200, 201, 204, 299])
def test_any_2xx_succeeds(status: int) -> None:
    assert decide(failed(status), 0, SVIX, 1.0).kind is Kind.SUCCEEDED


@pytest.mark.parametrize("status", [301, 302, 307, 308, 400, 401, 404, 429, 500, 503])
def test_redirects_and_errors_are_retried(status: int) -> None:
    outcome = decide(failed(status), 0, SVIX, 1.0)
    assert (outcome.kind, outcome.reason) == (Kind.RETRY, f"HTTP {status}")


def test_410_disables_whatever_the_attempt() -> None:
    for before in (0, 3, len(SVIX)):
        assert decide(failed(410), before, SVIX, 1.0).kind is Kind.GONE


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_honoured_within_bounds(status: int) -> None:
    assert decide(failed(status, 120), 0, SVIX, 1.0).retry_in == 120  # later: honoured
    assert decide(failed(status, 1), 1, SVIX, 1.0).retry_in == 300  # earlier: schedule wins
    capped = decide(failed(status, 7 * 86400), 0, SVIX, 1.0).retry_in
    assert capped == MAX_RETRY_AFTER  # a week: capped at an hour


def test_retry_after_ignored_on_other_statuses() -> None:
    assert decide(failed(500, 120), 0, SVIX, 1.0).retry_in == 5


def test_a_replay_restarts_the_schedule() -> None:
    # 8 attempts made, then replayed: the schedule starts again from its first tier
    bounced = EventType.EMAIL_BOUNCED
    claim = Claim(1, 1, "msg_x", bounced, 8, 8, datetime.now(UTC), {}, None, "", ("s",))
    assert claim.attempts_in_schedule == 0
    assert decide(failed(), claim.attempts_in_schedule, SVIX, 1.0).retry_in == 5


@pytest.mark.parametrize(("concurrency", "cap"), [(1, 1), (4, 1), (8, 2), (32, 8)])
def test_per_endpoint_cap_is_a_quarter_of_the_slots(concurrency: int, cap: int) -> None:
    assert per_endpoint_cap(concurrency) == cap
