"""Request and response models of the bounce log and manual bounce reports."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from services.ingest.api.fields import (
    CURSOR_PATTERN,
    MAX_OFFSET,
    NO_NUL,
    ApiInput,
    EmailAddress,
    Rfc3339,
    SendingDomain,
    UtcTimestamp,
)
from shared.models import Source

BounceType = Literal["hard", "soft", "complaint"]


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
    domain: SendingDomain | None = Field(
        default=None, description="the sending domain (case-insensitive); see Sending domains"
    )
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
    domain: SendingDomain | None = Field(
        default=None,
        description="the sending domain the message went out from; none: a global suppression",
    )


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
