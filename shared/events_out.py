"""Outgoing events (CONTRACT §6): their types and payload models, in one place.

The policy names the events a decision calls for, the notifications builder
fills these models, the API validates endpoint subscriptions against
`EventType`, and the OpenAPI document describes the payloads (its `webhooks`).
A new outgoing event is a new member here, a model, and the builder's row.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field


class EventType(StrEnum):
    """The `event` of an outgoing webhook, and what an endpoint subscribes to."""

    EMAIL_BOUNCED = "email.bounced"
    EMAIL_COMPLAINED = "email.complained"
    SUBSCRIBER_STATUS_CHANGED = "subscriber.status_changed"


EVENT_TYPES: Final = tuple(EventType)


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True)


class EmailBounced(_Payload):
    """A hard or soft bounce (seed 002's body)."""

    event: Literal[EventType.EMAIL_BOUNCED] = EventType.EMAIL_BOUNCED
    email_id: str | None = Field(description="the provider's message id")
    to: str
    bounce_type: Literal["hard", "soft"]
    bounce_code: str | None
    bounce_message: str | None
    timestamp: str = Field(description="RFC 3339 UTC, the provider's event time")
    source: str
    subscriber_status: str


class EmailComplained(_Payload):
    """A spam complaint (feedback loop)."""

    event: Literal[EventType.EMAIL_COMPLAINED] = EventType.EMAIL_COMPLAINED
    email_id: str | None
    to: str
    complaint_type: str | None
    timestamp: str = Field(description="RFC 3339 UTC, the provider's event time")
    source: str
    subscriber_status: str


class SubscriberStatusChanged(_Payload):
    """An address's status changed (by the policy, or by hand)."""

    event: Literal[EventType.SUBSCRIBER_STATUS_CHANGED] = EventType.SUBSCRIBER_STATUS_CHANGED
    email: str
    previous_status: str
    status: str
    reason: str = Field(description="hard, soft, complaint, delivery or manual")
    timestamp: str = Field(description="RFC 3339 UTC, when the change was decided")


PAYLOADS: Final[dict[EventType, type[_Payload]]] = {
    EventType.EMAIL_BOUNCED: EmailBounced,
    EventType.EMAIL_COMPLAINED: EmailComplained,
    EventType.SUBSCRIBER_STATUS_CHANGED: SubscriberStatusChanged,
}
