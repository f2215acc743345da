"""Request and response models of the management API: bounces, subscribers, endpoints.

Every body and query string is validated by one of these models; every answer
is `{"success": true, "data": <model>}`. The OpenAPI document is generated from
them (services.ingest.openapi). Field types and envelopes: services.ingest.api_types;
parsing and answering: services.ingest.api_edge (both re-exported here).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, StrictBool

from services.ingest.api_edge import (
    decode_json,
    envelope,
    json_response,
    ok,
    parse_body,
    parse_headers,
    parse_path,
    parse_query,
    read_body,
)
from services.ingest.api_types import (
    CURSOR_PATTERN,
    EMAIL_PATTERN,
    NO_NUL,
    URL_PATTERN,
    ApiInput,
    EmailAddress,
    EndpointEvent,
    ErrorDetail,
    ErrorResponse,
    Ok,
    Rfc3339,
    UtcTimestamp,
)
from shared.models import Source, Status

__all__ = [
    "CURSOR_PATTERN",
    "EMAIL_PATTERN",
    "MAX_OFFSET",
    "NO_NUL",
    "URL_PATTERN",
    "ApiInput",
    "EmailAddress",
    "EndpointEvent",
    "ErrorDetail",
    "ErrorResponse",
    "Ok",
    "Rfc3339",
    "UtcTimestamp",
    "decode_json",
    "envelope",
    "json_response",
    "ok",
    "parse_body",
    "parse_headers",
    "parse_path",
    "parse_query",
    "read_body",
]

BounceType = Literal["hard", "soft", "complaint"]


# --- bounces ---------------------------------------------------------------------


MAX_OFFSET = 1_000_000  # deeper pages: use the `after` cursor, which stays fast


class BounceQuery(ApiInput):
    limit: int = Field(default=20, ge=1, le=100, description="page size (1-100)")
    offset: int = Field(
        default=0,
        ge=0,
        le=MAX_OFFSET,
        description=f"rows to skip (at most {MAX_OFFSET:,}; page deeper with `after`)",
    )
    after: str | None = Field(
        default=None,
        pattern=CURSOR_PATTERN,
        description="opaque keyset cursor: the `next_cursor` of the previous page "
        "(replaces `offset`)",
    )
    email: str | None = Field(default=None, max_length=320, pattern=NO_NUL)
    bounce_type: BounceType | None = None
    source: Source | None = None
    since: Rfc3339 | None = Field(default=None, description="RFC 3339; bounces at or after this")
    until: Rfc3339 | None = Field(default=None, description="RFC 3339; bounces before this")


class Bounce(BaseModel):
    """One row of the bounce log (seed 000, plus diagnostic_code)."""

    id: int
    email: str
    bounce_type: BounceType
    bounce_subtype: str | None
    source: str
    campaign_name: str | None
    subscriber_name: str | None
    created_at: UtcTimestamp
    diagnostic_code: str | None


class BounceList(BaseModel):
    bounces: list[Bounce]
    total: int
    limit: int
    offset: int
    next_cursor: str | None = Field(
        description="pass as `after` for the next page; null on the last page"
    )


class ReportBounce(ApiInput):
    """A manual bounce report (seed 000's POST /api/v1/bounces body)."""

    email: EmailAddress
    bounce_type: BounceType
    bounce_subtype: str | None = Field(default=None, max_length=200, pattern=NO_NUL)
    diagnostic_code: str | None = Field(default=None, max_length=2000, pattern=NO_NUL)
    campaign_name: str | None = Field(default=None, max_length=500, pattern=NO_NUL)
    subscriber_name: str | None = Field(default=None, max_length=500, pattern=NO_NUL)


class IdempotencyHeaders(ApiInput):
    idempotency_key: str | None = Field(
        default=None,
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="repeat a request safely: the same key answers the stored response",
    )


class BounceReported(BaseModel):
    bounce_id: int


# --- subscribers -----------------------------------------------------------------


class Subscriber(BaseModel):
    email: str
    name: str | None
    status: Status
    bounce_count: int
    soft_streak: int
    last_bounce_at: UtcTimestamp | None
    status_changed_at: UtcTimestamp | None


class EmailPath(ApiInput):
    email: str = Field(min_length=1, max_length=320, pattern=NO_NUL)


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


# --- webhook endpoints -----------------------------------------------------------


def _default_events() -> list[EndpointEvent]:
    return ["email.bounced"]


class CreateEndpoint(ApiInput):
    url: str = Field(min_length=1, max_length=2048, pattern=URL_PATTERN)
    events: list[EndpointEvent] = Field(default_factory=_default_events, min_length=1)
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
