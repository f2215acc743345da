"""The building blocks of the management API's models: shared field types, the base of
every input model, and the success and error envelopes.

Each pattern says in the JSON Schema exactly what the Python check enforces, so a
client or test generator reading the OpenAPI document agrees with the server.
Timestamps are RFC 3339 UTC with a Z, second precision (seed 000's `created_at`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
)

from shared import address
from shared.notifications import iso

DataT = TypeVar("DataT", bound=BaseModel)

UtcTimestamp = Annotated[datetime, PlainSerializer(iso, return_type=str, when_used="json")]


def _email(value: str) -> str:
    """Loose on purpose: one @, something either side, no spaces or controls; lower-cased."""
    email = address.normalise(value)
    if email is None:
        raise ValueError("must be an email address")
    return email


# The pattern says in the schema what _email checks (ASCII controls and space are out;
# explicit classes, so Python's and the JSON Schema validator's regex agree).
EMAIL_PATTERN = address.PATTERN
EmailAddress = Annotated[
    str,
    Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN),
    AfterValidator(_email),
]
# Free text stored in Postgres, which refuses NUL characters.
NO_NUL = r"^[^\x00]*$"
# no ASCII control, space, @ or / (explicit classes: Python and JSON Schema agree)
DOMAIN_PATTERN = r"^[^\x00-\x20\x7f@/]+$"


def _domain(value: str) -> str:
    return value.rstrip(".").lower()


# A sending domain as events store it: lower-case, no trailing dot (CanonicalEvent).
SendingDomain = Annotated[
    str,
    Field(min_length=1, max_length=253, pattern=DOMAIN_PATTERN),
    AfterValidator(_domain),
]
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)


def _rfc3339(value: object) -> object:
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise ValueError("must be an RFC 3339 date-time like 2026-01-10T12:00:00Z")
    return value


def _utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("date-time out of range") from None


# An RFC 3339 date-time with an offset (not a bare date, not unix seconds), as UTC.
Rfc3339 = Annotated[AwareDatetime, BeforeValidator(_rfc3339), AfterValidator(_utc)]


class ApiInput(BaseModel):
    """Inputs ignore unknown fields, like the providers' APIs do.

    Patterns are checked with Python's `re`, as schema-driven clients and test
    generators read them (Rust's regex disagrees on `$` before a final newline).
    """

    model_config = ConfigDict(extra="ignore", frozen=True, regex_engine="python-re")


class Ok(BaseModel, Generic[DataT]):
    """The success envelope."""

    success: Literal[True] = True
    data: DataT


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    """The error envelope of every /api/v1 route (CONTRACT §5)."""

    success: Literal[False] = False
    error: ErrorDetail


CURSOR_PATTERN = r"^[0-7][0-9a-f]{15}$"
# http(s), a host name or [IPv6] literal, an optional port up to 65535, then anything
_H = "[0-9a-fA-F]{1,4}"
_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"  # no leading zeros, as ipaddress wants
_V4 = rf"({_OCTET}\.){{3}}{_OCTET}"
IPV6_PATTERN = (
    f"(({_H}:){{7}}{_H}|({_H}:){{1,7}}:|({_H}:){{1,6}}:{_H}|({_H}:){{1,5}}(:{_H}){{1,2}}"
    f"|({_H}:){{1,4}}(:{_H}){{1,3}}|({_H}:){{1,3}}(:{_H}){{1,4}}|({_H}:){{1,2}}(:{_H}){{1,5}}"
    f"|{_H}:((:{_H}){{1,6}})|:((:{_H}){{1,7}}|:)|::(ffff(:0{{1,4}})?:)?{_V4}|({_H}:){{1,4}}:{_V4})"
)
URL_PATTERN = (
    r"^https?://([A-Za-z0-9._~-]+|\[" + IPV6_PATTERN + r"\])"
    r"(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4}))?"
    r"([/?#][^\x00]*)?$"
)


MAX_OFFSET = 1_000_000  # deeper pages: use the `after` cursor, which stays fast


class EmailPath(ApiInput):
    """An address in a route's path (subscribers, suppressions)."""

    email: str = Field(min_length=1, max_length=320, pattern=NO_NUL)
