"""Request and response models of the outgoing-webhook routes: endpoints, updates, secret
rotation, the attempt log and replays."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PlainSerializer, StrictBool

from services.ingest.api.fields import (
    CURSOR_PATTERN,
    NO_NUL,
    URL_PATTERN,
    ApiInput,
    Rfc3339,
    UtcTimestamp,
)
from shared.events_out import EventType


def _default_events() -> list[EventType]:
    return [EventType.EMAIL_BOUNCED]


class CreateEndpoint(ApiInput):
    url: str = Field(min_length=1, max_length=2048, pattern=URL_PATTERN)
    events: list[EventType] = Field(default_factory=_default_events, min_length=1)
    description: str = Field(default="", max_length=500, pattern=NO_NUL)
    enabled: StrictBool = True


class Endpoint(BaseModel):
    """An outgoing webhook endpoint as listed: never its secret."""

    id: int
    url: str
    events: list[str]
    enabled: bool
    description: str
    disabled_reason: str | None = None
    created_at: UtcTimestamp


class EndpointCreated(Endpoint):
    """Creation is the only time the signing secret is shown."""

    secret: str


class EndpointList(BaseModel):
    endpoints: list[Endpoint]


DeliveryStatus = Literal["pending", "succeeded", "failed"]


def _iso_ms(ts: datetime) -> str:
    """RFC 3339 UTC with milliseconds: attempts a fraction of a second apart stay ordered."""
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


PreciseTimestamp = Annotated[datetime, PlainSerializer(_iso_ms, return_type=str, when_used="json")]
# Ids are bigserials; the route patterns allow 1 to 18 digits.
ENDPOINT_ROUTE = r"/api/v1/webhook-endpoints/{id:\d{1,18}}"
Id = Annotated[int, Field(ge=0, le=10**18 - 1)]


class EndpointPath(ApiInput):
    id: Id


class DeliveryPath(ApiInput):
    id: Id


class UpdateEndpoint(ApiInput):
    """Fields to change; an absent or null field is left as it is. Enabling an endpoint
    clears its `disabled_reason` and its failure streak."""

    url: str | None = Field(default=None, min_length=1, max_length=2048, pattern=URL_PATTERN)
    events: list[EventType] | None = Field(default=None, min_length=1)
    description: str | None = Field(default=None, max_length=500, pattern=NO_NUL)
    enabled: StrictBool | None = None


class EndpointDeleted(BaseModel):
    id: int
    deleted: Literal[True] = True


class SecretRotated(BaseModel):
    """The new secret, shown only here. Until `previous_secret_expires_at` every webhook
    carries a signature with the old secret too."""

    id: int
    secret: str
    previous_secret_expires_at: UtcTimestamp


class DeliveryQuery(ApiInput):
    limit: int = Field(default=20, ge=1, le=100, description="page size (1-100)")
    after: str | None = Field(
        default=None,
        pattern=CURSOR_PATTERN,
        description="opaque keyset cursor: the `next_cursor` of the previous page",
    )
    status: DeliveryStatus | None = None


class Attempt(BaseModel):
    """One try on the wire."""

    attempted_at: PreciseTimestamp
    status_code: int | None = Field(description="null when no answer came")
    latency_ms: float
    error: str | None
    response_body: str | None = Field(description="the first 2 KB of the answer")


class Delivery(BaseModel):
    """One message to one endpoint: the unit of retry, with every attempt made."""

    id: int
    endpoint_id: int
    webhook_id: str = Field(description="the webhook-id header, the same on every attempt")
    event_type: str
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: PreciseTimestamp | None = Field(description="when pending")
    last_status_code: int | None
    last_error: str | None
    created_at: UtcTimestamp
    completed_at: UtcTimestamp | None
    attempts: list[Attempt]


class DeliveryList(BaseModel):
    deliveries: list[Delivery] = Field(description="newest first")
    next_cursor: str | None = Field(
        description="pass as `after` for the next page; null on the last page"
    )


class ReplayRequest(ApiInput):
    since: Rfc3339 = Field(description="RFC 3339; failed deliveries created at or after this")


class Replayed(BaseModel):
    endpoint_id: int
    since: UtcTimestamp
    replayed: int = Field(description="failed deliveries queued again")
