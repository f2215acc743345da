"""What each API handler takes and answers, recorded on the handler for the OpenAPI document.

`@describe(...)` sits under the route and `require_scope` decorators and names
the pydantic models the handler validates its path, query, headers and body
with, and the model it answers with. `services.ingest.api.openapi.spec` walks the app's
router and builds the document from exactly these models: nothing is written
twice, and a route without a description is visible as such.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel

H = TypeVar("H", bound=Callable[..., Awaitable[web.StreamResponse]])

# envelope: {"success", "data"} and the /api/v1 error envelope; mailgun: bare bodies and
# {"message"} errors (seed 003); plain: bare bodies, no documented error body
Style = Literal["envelope", "mailgun", "plain"]

_OPERATION = "_bounceflow_operation"
_SCOPE = "_bounceflow_scope"


@dataclass(frozen=True, slots=True)
class Operation:
    summary: str
    tag: str
    response: type[BaseModel] | None = None
    status: int = 200
    style: Style = "envelope"
    path: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    headers: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    # the body may also be a JSON array of up to this many `body` objects (Mailgun batch add)
    body_array_max: int | None = None
    # the body may also be a form (urlencoded or multipart) with `body`'s fields
    body_form: bool = False
    # a raw (non-JSON) request body of this media type instead of `body`
    body_media: str | None = None
    # what that raw body must look like, if the schema can say it
    body_pattern: str | None = None
    # a raw (non-JSON) response of this media type instead of `response`
    response_media: str | None = None
    # statuses besides the success one, auth's 401/403 and validation's 400
    errors: tuple[int, ...] = ()
    # OpenAPI links from the success answer: (name, method, path, {parameter: expression})
    links: tuple[tuple[str, str, str, dict[str, str]], ...] = ()
    description: str = ""


def describe(operation: Operation) -> Callable[[H], H]:
    """Record `operation` on the handler (kept by functools.wraps in outer decorators)."""

    def mark(handler: H) -> H:
        doc = (handler.__doc__ or "").strip()
        described = operation
        if doc and not operation.description:
            described = dataclasses.replace(operation, description=_dedent(doc))
        setattr(handler, _OPERATION, described)
        return handler

    return mark


def mark_scope(handler: Callable[..., object], scope: str) -> None:
    setattr(handler, _SCOPE, scope)


def operation_of(handler: object) -> Operation | None:
    found = getattr(handler, _OPERATION, None)
    return found if isinstance(found, Operation) else None


def scope_of(handler: object) -> str | None:
    found = getattr(handler, _SCOPE, None)
    return found if isinstance(found, str) else None


def _dedent(doc: str) -> str:
    lines = doc.splitlines()
    rest = [line.strip() for line in lines[1:]]
    return "\n".join([lines[0].strip(), *rest]).strip()


@dataclass(frozen=True, slots=True)
class DescribedRoute:
    method: str
    path: str
    operation: Operation
    scope: str | None


def routes_of(app: web.Application) -> tuple[list[DescribedRoute], list[tuple[str, str]]]:
    """The app's described routes, and (method, path) of those without a description."""
    described, bare = [], []
    for route in app.router.routes():
        resource = route.resource
        if route.method == "HEAD" or resource is None:
            continue
        operation = operation_of(route.handler)
        if operation is None:
            bare.append((route.method, resource.canonical))
        else:
            described.append(
                DescribedRoute(route.method, resource.canonical, operation, scope_of(route.handler))
            )
    return described, bare
