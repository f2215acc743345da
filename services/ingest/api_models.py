"""Request and response models of the management API, and their use at the HTTP edge.

Every body and query string is validated by one of these models; every answer
is `{"success": true, "data": <model>}`. Keeping them together lets an OpenAPI
document be generated from them (`Ok[BounceList].model_json_schema()`, ...).
Timestamps are RFC 3339 UTC with a Z, second precision (seed 000's `created_at`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar, get_args

import orjson
from aiohttp import web
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
)

from shared.models import Source, Status
from shared.notifications import EVENT_TYPES, iso

DataT = TypeVar("DataT", bound=BaseModel)
ModelT = TypeVar("ModelT", bound=BaseModel)

UtcTimestamp = Annotated[datetime, PlainSerializer(iso, return_type=str, when_used="json")]
BounceType = Literal["hard", "soft", "complaint"]
EndpointEvent = Literal["email.bounced", "email.complained", "subscriber.status_changed"]
assert set(get_args(EndpointEvent)) == set(EVENT_TYPES), "keep in step with the notifier"


def _email(value: str) -> str:
    """Loose on purpose: one @, something either side, no whitespace; lower-cased."""
    value = value.strip()
    local, at, domain = value.partition("@")
    if not at or not local or not domain or "@" in domain or any(c.isspace() for c in value):
        raise ValueError("must be an email address")
    return value.lower()


EmailAddress = Annotated[str, Field(min_length=3, max_length=320), AfterValidator(_email)]


class _In(BaseModel):
    """Inputs ignore unknown fields, like the providers' APIs do."""

    model_config = ConfigDict(extra="ignore", frozen=True)


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


# --- bounces ---------------------------------------------------------------------


class BounceQuery(_In):
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0)
    email: str | None = Field(default=None, max_length=320)
    bounce_type: BounceType | None = None
    source: Source | None = None


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


class ReportBounce(_In):
    """A manual bounce report (seed 000's POST /api/v1/bounces body)."""

    email: EmailAddress
    bounce_type: BounceType
    bounce_subtype: str | None = Field(default=None, max_length=200)
    diagnostic_code: str | None = Field(default=None, max_length=2000)
    campaign_name: str | None = Field(default=None, max_length=500)
    subscriber_name: str | None = Field(default=None, max_length=500)


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


class SubscriberQuery(_In):
    status: Status | None = None
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0)


class SubscriberList(BaseModel):
    subscribers: list[Subscriber]
    total: int
    limit: int
    offset: int


class UpdateSubscriber(_In):
    """A manual status change; `{"status": "active"}` reactivates and resets the streak."""

    status: Status


# --- webhook endpoints -----------------------------------------------------------


def _default_events() -> list[EndpointEvent]:
    return ["email.bounced"]


class CreateEndpoint(_In):
    url: str = Field(min_length=1, max_length=2048)
    events: list[EndpointEvent] = Field(default_factory=_default_events, min_length=1)
    description: str = Field(default="", max_length=500)
    enabled: bool = True


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


# --- the HTTP edge ---------------------------------------------------------------


def ok(data: BaseModel, status: int = 200) -> web.Response:
    """`{"success": true, "data": ...}`."""
    return json_response(envelope(data), status)


def envelope(data: BaseModel) -> dict[str, Any]:
    return {"success": True, "data": data.model_dump(mode="json")}


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=orjson.dumps(body), status=status, content_type="application/json", headers=headers
    )


def _describe(exc: ValidationError, what: str) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return (
        f"invalid {what} '{where}': {first['msg']}" if where else f"invalid {what}: {first['msg']}"
    )


def parse_query(request: web.Request, model: type[ModelT]) -> ModelT:
    """The query string as `model` (empty values count as absent); 400 naming the parameter."""
    params = {k: request.query.getone(k) for k in request.query if request.query.getone(k) != ""}
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        # the error_envelope middleware turns this into the 400 envelope
        raise web.HTTPBadRequest(text=_describe(exc, "query parameter")) from None


async def parse_body(request: web.Request, model: type[ModelT]) -> ModelT:
    """The JSON object body as `model`; 400 naming the field otherwise."""
    try:
        doc = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        doc = None
    if not isinstance(doc, dict):
        raise web.HTTPBadRequest(text="request body must be a JSON object")
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        raise web.HTTPBadRequest(text=_describe(exc, "field")) from None
