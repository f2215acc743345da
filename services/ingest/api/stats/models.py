"""Request and response models of the stats route."""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.ingest.api.fields import ApiInput, Rfc3339, SendingDomain, UtcTimestamp
from services.ingest.api.stats.levels import Level


class StatsQuery(ApiInput):
    since: Rfc3339 | None = Field(
        default=None, description="RFC 3339, inclusive; default: 30 days before `until`"
    )
    until: Rfc3339 | None = Field(default=None, description="RFC 3339, exclusive; default: now")
    domain: SendingDomain | None = Field(
        default=None, description="count only what was sent from this domain (case-insensitive)"
    )


class StatsBlock(BaseModel):
    delivered: int
    hard: int
    soft: int
    complaints: int
    sent: int = Field(description="delivered + hard + soft")
    bounce_rate: float = Field(description="(hard + soft) / sent, a fraction")
    hard_bounce_rate: float = Field(description="hard / sent, a fraction")
    complaint_rate: float = Field(description="complaints / delivered, a fraction")
    bounce_status: Level = Field(description="hard bounce rate: <2% safe, 2-5% warning, >5% danger")
    complaint_status: Level = Field(
        description="complaint rate: <0.10% safe, 0.10-0.30% warning, >0.30% danger"
    )
    status: Level = Field(description="the worse of the two")


class SourceStats(StatsBlock):
    source: str


class Stats(StatsBlock):
    since: UtcTimestamp
    until: UtcTimestamp
    by_source: list[SourceStats]
