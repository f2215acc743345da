"""The bounce policy (CONTRACT §4) as pure functions: no I/O, no clock reads.

An address's state is a function of the *set* of its events: they are replayed
sorted by event time (ties broken by the event's dedup key), so arrival order
never matters.

    hard       -> bounced (an unsubscribed address stays unsubscribed)
    soft       -> streak + 1; streak >= threshold on an active address -> bounced
    complaint  -> unsubscribed
    delivery   -> streak = 0, no status change
    manual     -> status set by an operator (reactivation, import); streak = 0

Bounded cost (issue 11): deliveries only ever reset the streak, so within a gap
between two consecutive non-delivery events any one delivery has the effect of
all of them. The replay therefore needs only `sparse_deliveries`: the latest
delivery before each soft bounce and the latest of all. Hard bounces and
complaints only ever set a status that the next manual change alone undoes, so
of those it needs only the latest of each (`sparse_history`). The ledger reads
exactly these with index lookups instead of loading an address's history.
A replay may also start from a checkpoint (`start`, the state after every event
older than a time), which is how retention forgets old events without changing
any result.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shared.events_out import EventType
from shared.models import Status


class HistoryKind(StrEnum):
    """Event kinds that take part in the replay."""

    HARD = "hard"
    SOFT = "soft"
    COMPLAINT = "complaint"
    DELIVERY = "delivery"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One applied event of an address, as the policy sees it."""

    kind: HistoryKind
    occurred_at: datetime
    key: str
    set_status: Status | None = None  # only for MANUAL


@dataclass(frozen=True, slots=True)
class AddressState:
    """What the policy derives for an address."""

    status: Status = Status.ACTIVE
    soft_streak: int = 0


@dataclass(frozen=True, slots=True)
class Notify:
    """An outgoing event the decision calls for; `key` names the new event it is about."""

    event_type: EventType
    key: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of applying new events to an address."""

    previous: AddressState
    state: AddressState
    notify: tuple[Notify, ...]

    @property
    def status_changed(self) -> bool:
        return self.previous.status != self.state.status


def _step(state: AddressState, event: HistoryEvent, threshold: int) -> AddressState:
    status, streak = state.status, state.soft_streak
    if event.kind is HistoryKind.HARD:
        if status is not Status.UNSUBSCRIBED:
            status = Status.BOUNCED
    elif event.kind is HistoryKind.SOFT:
        streak += 1
        if streak >= threshold and status is Status.ACTIVE:
            status = Status.BOUNCED
    elif event.kind is HistoryKind.COMPLAINT:
        status = Status.UNSUBSCRIBED
    elif event.kind is HistoryKind.DELIVERY:
        streak = 0
    else:  # MANUAL
        status, streak = event.set_status or Status.ACTIVE, 0
    if status is state.status and streak == state.soft_streak:
        return state  # unchanged (most steps of a long replay): no new object
    return AddressState(status, streak)


def order(event: HistoryEvent) -> tuple[datetime, str]:
    """The replay order: event time, ties broken by the event's key."""
    return (event.occurred_at, event.key)


def replay(
    events: Iterable[HistoryEvent], threshold: int, start: AddressState | None = None
) -> AddressState:
    """The state an address has after exactly this set of events (on top of `start`)."""
    state = start or AddressState()
    for event in sorted(events, key=order):
        state = _step(state, event, threshold)
    return state


def sparse_deliveries(
    relevant: Iterable[HistoryEvent],
    deliveries: Iterable[HistoryEvent],
    open_streak: bool = False,
) -> set[HistoryEvent]:
    """The deliveries a replay of `relevant` (non-delivery events) needs.

    A delivery only resets the streak, and the streak only matters at a soft bounce
    (the threshold) and at the end. So: for each soft bounce the latest delivery
    ordered before it but not before the previous soft bounce, and, when there is a
    soft bounce at all or the replay starts from a checkpoint with a streak
    (`open_streak`), the latest delivery of all not before the last soft bounce.
    Every reset that changes a result is then still there, and
    `replay(relevant | sparse)` equals the replay of everything. (The ledger does the
    same with one index probe each; this function is the specification its tests
    check against.)
    """
    softs = sorted((e for e in relevant if e.kind is HistoryKind.SOFT), key=order)
    if not softs and not open_streak:
        return set()
    ordered = sorted(deliveries, key=order)
    keys = [order(d) for d in ordered]
    chosen: set[HistoryEvent] = set()
    previous: datetime | None = None
    for bound in [*(order(e) for e in softs), None]:
        # the latest delivery before this soft bounce (or of all), not older than the
        # previous soft bounce: an older one is the previous probe's business
        i = bisect_left(keys, bound) if bound is not None else len(keys)
        if i and (previous is None or ordered[i - 1].occurred_at >= previous):
            chosen.add(ordered[i - 1])
        previous = bound[0] if bound is not None else None
    return chosen


def sparse_history(events: Iterable[HistoryEvent]) -> list[HistoryEvent]:
    """The non-delivery events a replay needs: every soft bounce and manual change, and
    of the hard bounces and complaints only the latest of each kind.

    After the last manual change (or from the start) the status is `unsubscribed` if a
    complaint follows it, else `bounced` if a hard bounce does, else what the soft bounces
    make of it; neither kind touches the streak. Whether one follows is whether the
    latest does, so the others change no result: `replay(sparse_history(e) | d)` equals
    `replay(e | d)` for any deliveries `d`. (The ledger reads the same with an index
    range and two backward probes; this function is the specification its tests use.)
    """
    out: list[HistoryEvent] = []
    latest: dict[HistoryKind, HistoryEvent] = {}
    for e in events:
        if e.kind is HistoryKind.HARD or e.kind is HistoryKind.COMPLAINT:
            if e.kind not in latest or order(e) > order(latest[e.kind]):
                latest[e.kind] = e
        elif e.kind is not HistoryKind.DELIVERY:
            out.append(e)
    return [*out, *latest.values()]


def fast_forward(current: AddressState, new: Iterable[HistoryEvent], after: datetime) -> bool:
    """Whether `new` may be applied on top of `current` alone, with no stored history.

    `current` is the replay of everything stored; every event of `new` must be later than
    `after` (the latest manual change and the retention checkpoint). Then a hard bounce
    or a complaint has the effect it has at the end of the replay: after the last manual
    change, a complaint anywhere makes the address `unsubscribed`, a hard bounce anywhere
    `bounced` unless a complaint does; neither touches the streak. A delivery can only end
    a streak, so it changes nothing while there is none and the status is not one a
    streak may have made (`bounced`). Soft bounces and manual changes always replay.
    (The ledger's common case: deliveries to active addresses, repeated hard bounces.)
    """
    idle = current.soft_streak == 0 and current.status is not Status.BOUNCED
    for e in new:
        if e.occurred_at <= after:
            return False
        if e.kind is HistoryKind.DELIVERY:
            if not idle:
                return False
        elif e.kind is not HistoryKind.HARD and e.kind is not HistoryKind.COMPLAINT:
            return False
    return True


_NOTIFY_BY_KIND = {
    HistoryKind.HARD: EventType.EMAIL_BOUNCED,
    HistoryKind.SOFT: EventType.EMAIL_BOUNCED,
    HistoryKind.COMPLAINT: EventType.EMAIL_COMPLAINED,
}


def decide(
    previous: AddressState,
    history: Sequence[HistoryEvent],
    new: Sequence[HistoryEvent],
    threshold: int,
    start: AddressState | None = None,
    since: datetime | None = None,
) -> Decision:
    """Apply `new` (not yet applied, already deduplicated) on top of `history`.

    `previous` is the stored state (the replay of `history` from `start`, the
    checkpoint of everything before `since`). A new event older than `since` was
    folded away by retention's rules: it is announced but cannot move the state.
    Each new bounce or complaint is announced once; a status change is announced once.
    """
    replayed = [e for e in new if since is None or e.occurred_at >= since]
    state = replay([*history, *replayed], threshold, start)
    notify = [Notify(_NOTIFY_BY_KIND[e.kind], e.key) for e in new if e.kind in _NOTIFY_BY_KIND]
    if state.status != previous.status:
        notify.append(Notify(EventType.SUBSCRIBER_STATUS_CHANGED))
    return Decision(previous, state, tuple(notify))
