"""What the ledger takes and gives: an event ready to be stored, and what one apply did."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from shared import address, policy
from shared.event_time import clamp
from shared.models import CanonicalEvent, EventKind, Status
from shared.policy import HistoryEvent, HistoryKind

_KINDS = {k: HistoryKind(k.value) for k in EventKind if k is not EventKind.IGNORED}


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An event ready to be stored: a canonical event plus where it came from."""

    dedup_key: str
    email: str
    kind: HistoryKind
    source: str
    occurred_at: datetime
    set_status: Status | None = None
    bounce_subtype: str | None = None
    smtp_code: str | None = None
    enhanced_code: str | None = None
    diagnostic_code: str | None = None
    provider_message_id: str | None = None
    campaign_name: str | None = None
    subscriber_name: str | None = None
    ingest_id: str | None = None
    reported_at: datetime | None = None  # the source's own time, when it was clamped
    sending_domain: str | None = None  # the domain it was sent from, when known

    @classmethod
    def from_canonical(
        cls, event: CanonicalEvent, ingest_id: str | None, received_at: datetime | None = None
    ) -> EventRecord:
        """The record of `event`; its time clamped to `received_at` (+ skew) when given."""
        if event.kind is EventKind.IGNORED:
            raise ValueError("ignored events are not stored")
        occurred_at, reported_at = event.occurred_at, None
        if received_at is not None:
            occurred_at, reported_at = clamp(event.occurred_at, received_at)
        return cls(
            dedup_key=event.dedup_key,
            email=address.fold(event.email),
            kind=_KINDS[event.kind],
            source=event.source.value,
            occurred_at=occurred_at,
            bounce_subtype=event.bounce_subtype,
            smtp_code=event.smtp_code,
            enhanced_code=event.enhanced_code,
            diagnostic_code=event.diagnostic,
            provider_message_id=event.provider_message_id,
            campaign_name=event.campaign_name,
            subscriber_name=event.subscriber_name,
            ingest_id=ingest_id,
            reported_at=reported_at,
            sending_domain=event.sending_domain,
        )

    def history(self) -> HistoryEvent:
        key = delivery_key(self.dedup_key) if self.kind is HistoryKind.DELIVERY else self.dedup_key
        return HistoryEvent(self.kind, self.occurred_at, key, self.set_status)


def delivery_key(dedup_key: str) -> str:
    """The 16-byte hash a delivery is stored under, as text (a UUID).

    It is the delivery's dedup key in the deliveries table and its tie-break key in
    the replay order: a stable key of the event, as CONTRACT §4 asks."""
    return str(uuid.UUID(bytes=hashlib.sha256(dedup_key.encode()).digest()[:16]))


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What one apply did: ids of newly stored events by dedup key, and its decisions."""

    inserted: dict[str, int]  # non-delivery events (deliveries have no id)
    duplicates: int
    decisions: dict[str, policy.Decision]
    outbox_rows: int
    deliveries: int = 0  # new delivery rows

    @property
    def stored(self) -> int:
        """New events of every kind."""
        return len(self.inserted) + self.deliveries
