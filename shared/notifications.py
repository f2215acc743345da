"""Outgoing event payloads (CONTRACT §6), built from the policy's decisions. Pure."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shared.events_out import EventType
from shared.policy import Decision, HistoryKind

if TYPE_CHECKING:
    from shared.event_records import EventRecord


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    message_id: str
    event_type: str
    payload: dict[str, Any]
    trace_id: str | None


def message_id(*parts: str) -> str:
    """A deterministic webhook-id, so a retried transaction cannot invent a second one."""
    return "msg_" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def iso(ts: datetime) -> str:
    """RFC 3339 UTC with a Z, second precision (seed 002's `timestamp`)."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# The payloads as plain dicts, exactly EmailBounced/EmailComplained/SubscriberStatusChanged
# .model_dump(mode="json") (tests/unit/test_notification_payloads.py holds them to it):
# a model per outgoing event cost more than the rest of its notification.


def bounced_payload(record: EventRecord, subscriber_status: str) -> dict[str, Any]:
    return {
        "event": EventType.EMAIL_BOUNCED.value,
        "email_id": record.provider_message_id,
        "to": record.email,
        "bounce_type": record.kind.value,
        "bounce_code": record.smtp_code,
        "bounce_message": record.diagnostic_code,
        "timestamp": iso(record.occurred_at),
        "source": record.source,
        "subscriber_status": subscriber_status,
    }


def complained_payload(record: EventRecord, subscriber_status: str) -> dict[str, Any]:
    return {
        "event": EventType.EMAIL_COMPLAINED.value,
        "email_id": record.provider_message_id,
        "to": record.email,
        "complaint_type": record.bounce_subtype,
        "timestamp": iso(record.occurred_at),
        "source": record.source,
        "subscriber_status": subscriber_status,
    }


def status_changed_payload(
    email: str, previous: str, status: str, reason: str, at: datetime
) -> dict[str, Any]:
    return {
        "event": EventType.SUBSCRIBER_STATUS_CHANGED.value,
        "email": email,
        "previous_status": previous,
        "status": status,
        "reason": reason,
        "timestamp": iso(at),
    }


def build_notifications(
    by_email: Mapping[str, Sequence[EventRecord]],
    decisions: Mapping[str, Decision],
    inserted: Mapping[str, int],
    now: datetime,
    wanted: Collection[str] = frozenset(EventType),
) -> list[OutboxMessage]:
    """One message per new bounce/complaint, one per status change; only of the event
    types in `wanted` (those some endpoint subscribes to: shared.outbox)."""
    out: list[OutboxMessage] = []
    for email, decision in decisions.items():
        notes = [note for note in decision.notify if note.event_type in wanted]
        if not notes:
            continue
        records = {r.dedup_key: r for r in by_email[email]}
        status = decision.state.status.value
        for note in notes:
            if note.key is not None:
                rec = records[note.key]
                build = (
                    bounced_payload
                    if note.event_type is EventType.EMAIL_BOUNCED
                    else complained_payload
                )
                out.append(
                    OutboxMessage(
                        message_id(note.event_type, rec.dedup_key),
                        note.event_type,
                        build(rec, status),
                        rec.ingest_id,
                    )
                )
                continue
            latest = max(records.values(), key=lambda r: (r.occurred_at, r.dedup_key))
            # event ids; a delivery (stored without an id) by its dedup key
            keys = ",".join(sorted(str(inserted.get(k, k)) for k in records))
            out.append(
                OutboxMessage(
                    message_id(EventType.SUBSCRIBER_STATUS_CHANGED, email, keys),
                    EventType.SUBSCRIBER_STATUS_CHANGED,
                    status_changed_payload(
                        email,
                        decision.previous.status.value,
                        status,
                        latest.kind.value if latest.kind is not HistoryKind.MANUAL else "manual",
                        now,
                    ),
                    latest.ingest_id,
                )
            )
    return out
