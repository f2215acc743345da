"""The pure policy, table-driven (CONTRACT §4)."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.models import Status
from shared.policy import (
    AddressState,
    HistoryEvent,
    HistoryKind,
    decide,
    fast_forward,
    replay,
    sparse_deliveries,
    sparse_history,
)

T0 = datetime(2026, 6, 1, tzinfo=UTC)
H, S, C, D, M = (
    HistoryKind.HARD,
    HistoryKind.SOFT,
    HistoryKind.COMPLAINT,
    HistoryKind.DELIVERY,
    HistoryKind.MANUAL,
)


def ev(kind: HistoryKind, minute: int, key: str | None = None, to: Status | None = None):
    return HistoryEvent(kind, T0 + timedelta(minutes=minute), key or f"{kind}-{minute}", to)


CASES = [
    # (name, events in arrival order, expected status, expected streak)
    ("nothing", [], Status.ACTIVE, 0),
    ("hard", [ev(H, 1)], Status.BOUNCED, 0),
    ("soft once", [ev(S, 1)], Status.ACTIVE, 1),
    ("soft twice", [ev(S, 1), ev(S, 2)], Status.ACTIVE, 2),
    ("soft x3", [ev(S, 1), ev(S, 2), ev(S, 3)], Status.BOUNCED, 3),
    ("soft, soft, delivery, soft", [ev(S, 1), ev(S, 2), ev(D, 3), ev(S, 4)], Status.ACTIVE, 1),
    (
        "late delivery older than the softs it sits between",
        [ev(S, 1), ev(S, 3), ev(S, 4), ev(D, 2)],
        Status.ACTIVE,
        2,
    ),
    (
        "late delivery older than all softs",
        [ev(S, 2), ev(S, 3), ev(S, 4), ev(D, 1)],
        Status.BOUNCED,
        3,
    ),
    ("complaint after hard", [ev(H, 1), ev(C, 2)], Status.UNSUBSCRIBED, 0),
    ("hard after complaint stays unsubscribed", [ev(C, 1), ev(H, 2)], Status.UNSUBSCRIBED, 0),
    ("hard on unsubscribed", [ev(M, 1, to=Status.UNSUBSCRIBED), ev(H, 2)], Status.UNSUBSCRIBED, 0),
    ("older delivery never undoes hard", [ev(H, 2), ev(D, 1)], Status.BOUNCED, 0),
    ("newer delivery never undoes hard", [ev(H, 1), ev(D, 2)], Status.BOUNCED, 0),
    (
        "delivery after streak-bounce keeps bounced",
        [ev(S, 1), ev(S, 2), ev(S, 3), ev(D, 4)],
        Status.BOUNCED,
        0,
    ),
    (
        "reactivation resets streak",
        [ev(S, 1), ev(S, 2), ev(M, 3, to=Status.ACTIVE), ev(S, 4)],
        Status.ACTIVE,
        1,
    ),
    ("reactivation after hard", [ev(H, 1), ev(M, 2, to=Status.ACTIVE)], Status.ACTIVE, 0),
    ("hard older than reactivation", [ev(M, 2, to=Status.ACTIVE), ev(H, 1)], Status.ACTIVE, 0),
    (
        "complaint on streak-bounced",
        [ev(S, 1), ev(S, 2), ev(S, 3), ev(C, 4)],
        Status.UNSUBSCRIBED,
        3,
    ),
]


@pytest.mark.parametrize(
    ("events", "status", "streak"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_replay(events: list[HistoryEvent], status: Status, streak: int) -> None:
    assert replay(events, threshold=3) == AddressState(status, streak)


@pytest.mark.parametrize(
    ("events", "status", "streak"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_order_independent(events: list[HistoryEvent], status: Status, streak: int) -> None:
    for perm in itertools.islice(itertools.permutations(events), 24):
        assert replay(perm, threshold=3) == AddressState(status, streak)


def test_threshold_is_configurable() -> None:
    assert replay([ev(S, 1), ev(S, 2)], threshold=2).status is Status.BOUNCED
    assert replay([ev(S, 1), ev(S, 2)], threshold=5).status is Status.ACTIVE


def test_decide_announces_each_bounce_and_the_status_change_once() -> None:
    history = [ev(S, 1), ev(S, 2)]
    decision = decide(AddressState(Status.ACTIVE, 2), history, [ev(S, 3, key="k3")], 3)
    assert decision.state == AddressState(Status.BOUNCED, 3)
    assert [(n.event_type, n.key) for n in decision.notify] == [
        ("email.bounced", "k3"),
        ("subscriber.status_changed", None),
    ]


def test_late_delivery_reverts_a_streak_bounce_and_announces_it() -> None:
    history = [ev(S, 1), ev(S, 3), ev(S, 4)]
    decision = decide(AddressState(Status.BOUNCED, 3), history, [ev(D, 2)], 3)
    assert decision.state.status is Status.ACTIVE
    assert [n.event_type for n in decision.notify] == ["subscriber.status_changed"]


def test_delivery_alone_announces_nothing() -> None:
    decision = decide(AddressState(), [], [ev(D, 1)], 3)
    assert decision.notify == ()
    assert not decision.status_changed


def test_complaint_is_announced_as_complained() -> None:
    decision = decide(AddressState(), [], [ev(C, 1, key="c")], 3)
    assert [n.event_type for n in decision.notify] == [
        "email.complained",
        "subscriber.status_changed",
    ]


def test_duplicate_events_in_a_set_count_once_by_key() -> None:
    # The ledger drops duplicates by dedup key before the policy sees them; the policy
    # itself is a function of the set, so the same key twice must be collapsed first.
    once = replay({ev(S, 1, key="a")}, 3)
    twice = replay(set([ev(S, 1, key="a"), ev(S, 1, key="a")]), 3)
    assert once == twice == AddressState(Status.ACTIVE, 1)


# -- bounded replay (issue 11): the sparse inputs give exactly the full replay -------------

_KINDS = st.sampled_from([H, S, S, S, C, D, D, D, D, M])


@st.composite
def event_sets(draw: st.DrawFn) -> list[HistoryEvent]:
    """Events of one address with unique keys; few distinct minutes, so times tie often."""
    n = draw(st.integers(0, 25))
    events = []
    for i in range(n):
        kind = draw(_KINDS)
        to = draw(st.sampled_from(list(Status))) if kind is M else None
        key = draw(st.sampled_from("abcdef")) + str(i)  # unique, in a random order
        events.append(HistoryEvent(kind, T0 + timedelta(minutes=draw(st.integers(0, 8))), key, to))
    return events


def sparse(
    events: list[HistoryEvent], since: datetime | None = None, open_streak: bool = False
) -> list[HistoryEvent]:
    """What the ledger loads: non-deliveries plus the probed deliveries (from `since`)."""
    kept = [e for e in events if since is None or e.occurred_at >= since]
    relevant = sparse_history(kept)
    deliveries = [e for e in kept if e.kind is D]
    return [*relevant, *sparse_deliveries(relevant, deliveries, open_streak)]


@given(event_sets(), st.integers(1, 4))
def test_sparse_deliveries_replay_equals_the_full_replay(
    events: list[HistoryEvent], threshold: int
) -> None:
    assert replay(sparse(events), threshold) == replay(events, threshold)


@given(event_sets(), event_sets(), st.integers(1, 4))
def test_sparse_stored_history_plus_new_events_equals_the_full_replay(
    stored: list[HistoryEvent], new: list[HistoryEvent], threshold: int
) -> None:
    # the ledger reduces the stored non-deliveries, then adds the batch's new events in full
    new = [HistoryEvent(e.kind, e.occurred_at, "n" + e.key, e.set_status) for e in new]
    deliveries = [e for e in stored if e.kind is D]
    assert replay([*sparse_history(stored), *deliveries, *new], threshold) == replay(
        [*stored, *new], threshold
    )


def test_sparse_history_keeps_the_latest_hard_and_complaint_only() -> None:
    events = [ev(H, 1, key="h1"), ev(H, 3, key="h3"), ev(C, 2, key="c2"), ev(C, 2, key="c9")]
    events += [ev(S, 1, key="s"), ev(M, 2, key="m", to=Status.ACTIVE), ev(D, 4, key="d")]
    kept = {e.key for e in sparse_history(events)}
    assert kept == {"h3", "c9", "s", "m"}


@given(event_sets(), st.integers(1, 4), st.integers(0, 9), st.randoms())
def test_checkpoint_then_sparse_replay_equals_the_full_replay(
    events: list[HistoryEvent], threshold: int, cut: int, rnd: random.Random
) -> None:
    # retention folds everything before `cutoff` into a checkpoint, then forgets it
    cutoff = T0 + timedelta(minutes=cut)
    older = [e for e in events if e.occurred_at < cutoff]
    base = replay(sparse(older), threshold)
    rest = [e for e in events if e.occurred_at >= cutoff]
    rnd.shuffle(rest)
    loaded = sparse(rest, cutoff, open_streak=base.soft_streak > 0)
    assert replay(loaded, threshold, base) == replay(events, threshold)


def test_decide_ignores_new_events_older_than_the_checkpoint_but_announces_them() -> None:
    base = AddressState(Status.BOUNCED, 0)
    late = ev(S, 1, key="late")
    decision = decide(base, [], [late], 3, start=base, since=T0 + timedelta(minutes=5))
    assert decision.state == base
    assert [n.event_type for n in decision.notify] == ["email.bounced"]


@settings(max_examples=400)
@given(event_sets(), event_sets(), st.integers(1, 4), st.integers(0, 9))
def test_fast_forward_when_allowed_equals_the_full_replay(
    stored: list[HistoryEvent], new: list[HistoryEvent], threshold: int, cut: int
) -> None:
    new = [HistoryEvent(e.kind, e.occurred_at, "n" + e.key, e.set_status) for e in new]
    current = replay(stored, threshold)
    manuals = [e.occurred_at for e in stored if e.kind is M]
    after = max([T0 + timedelta(minutes=cut) - timedelta(seconds=1), *manuals])
    if fast_forward(current, new, after):
        assert replay(new, threshold, current) == replay([*stored, *new], threshold)


def test_fast_forward_takes_hard_bounces_and_idle_deliveries_only() -> None:
    active, bounced = AddressState(), AddressState(Status.BOUNCED, 0)
    assert fast_forward(bounced, [ev(H, 5), ev(C, 6)], T0)
    assert fast_forward(active, [ev(D, 5), ev(H, 6)], T0)
    assert not fast_forward(bounced, [ev(D, 5)], T0)  # a streak may have bounced it
    # ...as here: three soft bounces, a delivery after them; a late one splits the streak
    stored = [ev(S, 1), ev(S, 2), ev(S, 3), ev(D, 7)]
    late = [ev(D, 2, key="late")]
    assert replay(stored, 3) == bounced
    assert replay([*stored, *late], 3) == active
    assert not fast_forward(AddressState(Status.ACTIVE, 1), [ev(D, 5)], T0)
    assert not fast_forward(active, [ev(S, 5)], T0)
    assert not fast_forward(active, [ev(M, 5, to=Status.ACTIVE)], T0)
    assert not fast_forward(active, [ev(H, 0)], T0)  # not after the last manual change
