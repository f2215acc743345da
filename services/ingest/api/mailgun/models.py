"""The bodies of Mailgun's bounces API (seed 003), and their use at the HTTP edge.

Dates are RFC 2822 in GMT ("Wed, 15 Feb 2012 11:16:31 GMT"); errors are
`{"message": ...}`; `code` is answered as a string (seed 003's newly added rows).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Any, Literal

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    PlainValidator,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)

from services.ingest.api.fields import (
    MAX_OFFSET,
    NO_NUL,
    ApiInput,
    EmailAddress,
    SendingDomain,
)
from services.ingest.api.http import decode_json, read_body

DEFAULT_CODE = "550"
MAX_BATCH = 1_000
MAX_BODY_BYTES = 4 * 1024 * 1024
ADDED = "Address has been added to the bounces table"
NOT_FOUND = "Address not found in bounces table"
UNSUBSCRIBED = (
    "Address is unsubscribed after a complaint, which outranks a bounce: "
    "the bounce was recorded, the address is not in the bounces table"
)
REMOVED = "Bounced address has been removed"
ALL_REMOVED = "Bounced addresses for this domain have been removed"
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
_DAY = "(Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MONTH = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
# what parse_rfc2822 accepts, narrowed so every match is a real date (days 1-28)
RFC2822_PATTERN = (
    rf"^(|({_DAY}, )?(0?[1-9]|1[0-9]|2[0-8]) {_MONTH} (19|20)[0-9]{{2}} "
    r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])? (GMT|UTC|[+-][01][0-9][0-5][0-9]))$"
)


def rfc2822(when: datetime) -> str:
    """`Wed, 15 Feb 2012 11:16:31 GMT`: Mailgun's created_at (seed 003)."""
    return format_datetime(when.astimezone(UTC).replace(microsecond=0), usegmt=True)


def parse_rfc2822(text: str) -> datetime:
    """An RFC 2822 date as an aware UTC datetime; ValueError otherwise."""
    try:
        parsed = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        raise ValueError("must be an RFC 2822 date like 'Wed, 15 Feb 2012 11:16:31 GMT'") from exc
    try:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("date out of range") from exc


def _code(value: object) -> str:
    """An SMTP code as text: an integer (JSON's 550.0 counts, true does not) or a string."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and len(value) <= MAX_CODE_LENGTH and "\x00" not in value:
        return value
    raise ValueError(f"must be an integer or a string of up to {MAX_CODE_LENGTH} characters")


MAX_CODE_LENGTH = 64
SmtpCode = Annotated[
    str,
    PlainValidator(_code),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer"},
                {"type": "string", "maxLength": MAX_CODE_LENGTH, "pattern": NO_NUL},
            ]
        }
    ),
]


def _rfc2822_text(text: str) -> str:
    if text:
        parse_rfc2822(text)
    return text


class MailgunMessage(BaseModel):
    message: str


class BounceAdded(BaseModel):
    message: str
    address: str | None = Field(default=None, description="present when one address was added")


class MailgunBounce(BaseModel):
    address: str
    code: str
    error: str
    created_at: str = Field(description="RFC 2822, GMT")


class MailgunPaging(BaseModel):
    first: str
    last: str
    next: str
    previous: str


class MailgunBounceList(BaseModel):
    items: list[MailgunBounce]
    paging: MailgunPaging
    total_count: int = Field(description="addresses in the bounces table (seed 003)")


class DomainPath(ApiInput):
    domain: SendingDomain = Field(description="the sending domain (case-insensitive)")


class AddressPath(DomainPath):
    address: str = Field(min_length=1, max_length=320, pattern=NO_NUL)


class MailgunListQuery(ApiInput):
    limit: int = Field(default=100, ge=1, le=1000)
    skip: int = Field(default=0, ge=0, le=MAX_OFFSET, description="ignored with `page`")
    page: Literal["first", "next", "previous", "last"] | None = Field(
        default=None, description="relative to `address`; as in `paging`'s links"
    )
    address: EmailAddress | None = Field(default=None, description="the page cursor's pivot")


class AddBounce(ApiInput):
    """One bounce to add (or update): a form or a JSON object; a JSON array of these adds many."""

    address: EmailAddress
    code: SmtpCode = Field(default=DEFAULT_CODE, description="SMTP error code (default 550)")
    error: str = Field(default="", max_length=2000, pattern=NO_NUL)
    created_at: Annotated[str, AfterValidator(_rfc2822_text)] = Field(
        default="",
        max_length=64,
        pattern=RFC2822_PATTERN,
        description="RFC 2822; accepted for compatibility: the bounce is recorded at the time "
        "of the call, so that it always takes effect",
    )


_BATCH = TypeAdapter(list[AddBounce])


def _describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"invalid field '{where}': {first['msg']}" if where else f"invalid body: {first['msg']}"


async def parse_bounces(request: web.Request) -> tuple[list[AddBounce], bool]:
    """The bounces a POST adds, and whether it named a single one; HTTPBadRequest otherwise."""
    if request.content_type in _FORMS:
        try:
            form = await request.post()
        except (ValueError, HttpProcessingError) as exc:
            raise web.HTTPBadRequest(text=f"unreadable form: {exc}") from None
        doc: Any = {k: v for k, v in form.items() if isinstance(v, str)}
        unknown = sorted(set(form) - set(AddBounce.model_fields))
        if unknown:
            # the form's schema is closed: a field name multipart might not even parse
            raise web.HTTPBadRequest(text=f"unknown field {unknown[0]!r}")
    else:
        doc = decode_json(await read_body(request, MAX_BODY_BYTES))
    try:
        if isinstance(doc, dict):
            return [AddBounce.model_validate(doc)], True
        if isinstance(doc, list) and 0 < len(doc) <= MAX_BATCH:
            return _BATCH.validate_python(doc), False
    except ValidationError as exc:
        raise web.HTTPBadRequest(text=_describe(exc)) from None
    raise web.HTTPBadRequest(
        text=f"the body must be a form, a JSON object or a JSON array of 1 to {MAX_BATCH} objects"
    )
