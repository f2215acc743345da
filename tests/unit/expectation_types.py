"""The expectation record of the parser fixture tables (parser_expectations*.py,
expectations_ses.py): the events a fixture must give, in order, as (kind, email, dedup key,
SMTP code, enhanced code, sending domain). A dedup key ending in "*" is a prefix."""

from __future__ import annotations

from typing import NamedTuple

from shared.models import EventKind

__all__ = ["RAISES", "C", "D", "E", "H", "S"]


class E(NamedTuple):
    kind: EventKind
    email: str
    key: str
    smtp: str | None = None
    enhanced: str | None = None
    domain: str | None = None  # the sending domain


H, S, C, D = EventKind.HARD, EventKind.SOFT, EventKind.COMPLAINT, EventKind.DELIVERY
RAISES = "raises"
