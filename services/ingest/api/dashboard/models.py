"""Queries and answers of the dashboard's data routes (/api/v1/stats/series, /breakdown,
/endpoint-health). Counts follow GET /api/v1/stats exactly: the same events, window and
rates (services.ingest.api.stats.levels), so a bucket or group sums to the overall numbers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from services.ingest.api.fields import ApiInput, Rfc3339, UtcTimestamp
from services.ingest.api.stats.levels import Level
from services.ingest.api.stats.models import StatsBlock

Bucket = Literal["day", "hour"]
GroupBy = Literal["kind", "source", "campaign", "recipient_domain", "domain"]
Health = Literal["healthy", "failing", "disabled"]

MAX_BUCKETS = 1000  # a year of days, or 41 days of hours


class Window(ApiInput):
    since: Rfc3339 | None = Field(
        default=None, description="RFC 3339, inclusive; default: 30 days before `until`"
    )
    until: Rfc3339 | None = Field(default=None, description="RFC 3339, exclusive; default: now")


class SeriesQuery(Window):
    bucket: Bucket = Field(
        default="day",
        description=f"bucket width, aligned to UTC; at most {MAX_BUCKETS} buckets per window",
    )


class SeriesPoint(StatsBlock):
    start: UtcTimestamp = Field(
        description="the bucket's UTC start; the first and last may be cut by the window"
    )


class Series(BaseModel):
    since: UtcTimestamp
    until: UtcTimestamp
    bucket: Bucket
    points: list[SeriesPoint] = Field(description="every bucket of the window, oldest first")


class BreakdownQuery(Window):
    by: GroupBy = Field(
        default="source",
        description="`kind`, `source`, `campaign` (campaign_name; null when none; bounces and "
        "complaints only, deliveries keep no campaign), "
        "`recipient_domain` (the domain of the recipient address), or `domain` (the sending "
        "domain: 422 while events do not record one)",
    )
    limit: int = Field(default=20, ge=1, le=100, description="the largest groups, at most")


class Group(BaseModel):
    """One group's numbers; with `delivered_known` false (the deliveries table does not
    record the grouping), only the bounce and complaint counts: the rest is null."""

    key: str | None = Field(description="the group's value; null for events without one")
    events: int = Field(description="delivered (when known) + hard + soft + complaints")
    delivered: int | None
    hard: int
    soft: int
    complaints: int
    sent: int | None = Field(description="delivered + hard + soft")
    bounce_rate: float | None = Field(description="(hard + soft) / sent, a fraction")
    hard_bounce_rate: float | None = Field(description="hard / sent, a fraction")
    complaint_rate: float | None = Field(description="complaints / delivered, a fraction")
    bounce_status: Level | None
    complaint_status: Level | None
    status: Level | None


class Breakdown(BaseModel):
    since: UtcTimestamp
    until: UtcTimestamp
    by: GroupBy
    delivered_known: bool = Field(
        description="false when deliveries are not recorded by this grouping (`campaign`: "
        "deliveries keep no campaign): delivered, sent, rates and levels are null"
    )
    groups: list[Group] = Field(description="largest first (by `events`), then by key")
    total_groups: int


class EndpointHealth(BaseModel):
    """An outgoing endpoint's health; its URL cut to the origin (paths may carry tokens)."""

    id: int
    origin: str = Field(description="scheme://host[:port] of the endpoint's URL")
    enabled: bool
    health: Health
    failing_since: UtcTimestamp | None
    disabled_reason: str | None
    pending: int = Field(description="deliveries waiting (first attempts and retries)")
    pending_retries: int = Field(description="pending deliveries that failed at least once")
    failed: int = Field(description="deliveries dead-lettered (retries exhausted) in the window")


class EndpointHealthList(BaseModel):
    since: UtcTimestamp
    until: UtcTimestamp
    endpoints: list[EndpointHealth]
