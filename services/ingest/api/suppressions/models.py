"""Request and response models of the suppression routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from services.ingest.api.fields import ApiInput, EmailAddress, UtcTimestamp
from shared.models import Status

MAX_CHECK = 10_000
Reason = Literal["hard_bounce", "soft_bounce_limit", "complaint", "manual"]


class Suppression(BaseModel):
    email: str
    suppressed: bool
    status: Status | None = Field(description="null for an address never seen")
    reason: Reason | None


class Suppressed(BaseModel):
    email: str
    status: Status
    reason: Reason | None


class CheckSuppressions(ApiInput):
    emails: list[EmailAddress] = Field(max_length=MAX_CHECK)


class CheckResult(BaseModel):
    suppressed: list[Suppressed] = Field(description="only the suppressed addresses")
    checked: int = Field(description="distinct addresses checked")


class ExportRow(BaseModel):
    """One line of the export (CSV columns email,status,reason,suppressed_at)."""

    email: str
    status: Status
    reason: Reason | None
    suppressed_at: UtcTimestamp | None
