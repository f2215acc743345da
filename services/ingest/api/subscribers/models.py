"""Request and response models of the subscriber routes."""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.ingest.api.fields import MAX_OFFSET, ApiInput, UtcTimestamp
from shared.models import Status


class Subscriber(BaseModel):
    email: str
    name: str | None
    status: Status
    bounce_count: int
    soft_streak: int
    last_bounce_at: UtcTimestamp | None
    status_changed_at: UtcTimestamp | None


class SubscriberQuery(ApiInput):
    status: Status | None = None
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


class SubscriberList(BaseModel):
    subscribers: list[Subscriber]
    total: int
    limit: int
    offset: int


class UpdateSubscriber(ApiInput):
    """A manual status change; `{"status": "active"}` reactivates and resets the streak."""

    status: Status
