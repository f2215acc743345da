"""The bounce policy (CONTRACT §4) as pure functions: no I/O, no clock reads.

An address's state is a function of the *set* of its events: they are replayed
sorted by event time (ties broken by the event's dedup key), so arrival order
never matters.

    hard       -> bounced (an unsubscribed address stays unsubscribed)
    soft       -> streak + 1; streak >= threshold on an active address -> bounced
    complaint  -> unsubscribed
    delivery   -> streak = 0, no status change
    manual     -> status set by an operator (reactivation, import); streak = 0
"""

from __future__ import annotations

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
    return AddressState(status, streak)


def replay(events: Iterable[HistoryEvent], threshold: int) -> AddressState:
    """The state an address has after exactly this set of events."""
    state = AddressState()
    for event in sorted(events, key=lambda e: (e.occurred_at, e.key)):
        state = _step(state, event, threshold)
    return state


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
) -> Decision:
    """Apply `new` (not yet applied, already deduplicated) on top of `history`.

    `previous` is the stored state (the replay of `history`). Each new bounce
    or complaint is announced once; a status change is announced once.
    """
    state = replay([*history, *new], threshold)
    notify = [Notify(_NOTIFY_BY_KIND[e.kind], e.key) for e in new if e.kind in _NOTIFY_BY_KIND]
    if state.status != previous.status:
        notify.append(Notify(EventType.SUBSCRIBER_STATUS_CHANGED))
    return Decision(previous, state, tuple(notify))
