"""API key authentication for the management API (CONTRACT §5).

`require_scope("subscribers")` wraps a handler: no key or an unknown/revoked key
answers 401 with a Basic challenge, a key without the scope answers 403
`Required permission: <scope>` (seed 000). The key's ApiKeyInfo is left on the
request under API_KEY for the handler. The answers use the /api/v1 error
envelope, or Mailgun's `{"message": ...}` with `require_scope(..., mailgun_error)`.
Keys are never logged: only their display prefix is ever shown.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web

from services.ingest import state
from services.ingest.api.operations import mark_scope
from services.ingest.errors import error_response
from shared.apikeys import SCOPES, ApiKeyInfo, authenticate, parse_authorization

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ErrorRenderer = Callable[[int, str, dict[str, str] | None], web.Response]

API_KEY = web.RequestKey("api_key", ApiKeyInfo)
CHALLENGE = {"WWW-Authenticate": 'Basic realm="bounceflow"'}
NO_KEY = "an API key is required (Authorization: Bearer <key>, or basic auth api:<key>)"
BAD_KEY = "invalid API key"


def envelope_error(status: int, message: str, headers: dict[str, str] | None) -> web.Response:
    """The /api/v1 error envelope."""
    return error_response(status, message, headers=headers)


def mailgun_error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """Mailgun's error body: `{"message": ...}`."""
    return web.Response(
        body=orjson.dumps({"message": message}),
        status=status,
        content_type="application/json",
        headers=headers,
    )


READ_METHODS = frozenset({"GET", "HEAD"})


def require_scope(
    scope: str, render: ErrorRenderer = envelope_error, *, read_only: bool = False
) -> Callable[[Handler], Handler]:
    """Decorate a handler so that only keys holding `scope` (or admin) reach it.

    A GET or HEAD, or a handler marked `read_only` (a POST that changes nothing, such as
    the suppression check), also admits `<scope>:read` keys; every write refuses them
    with 403 naming `scope`."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            key = parse_authorization(request.headers.get("Authorization"))
            if key is None:
                return render(401, NO_KEY, CHALLENGE)
            info = await authenticate(request.app[state.POOL], key)
            if info is None:
                return render(401, BAD_KEY, CHALLENGE)
            if not info.allows(scope, read=read_only or request.method in READ_METHODS):
                return render(403, f"Required permission: {scope}", None)
            request[API_KEY] = info
            return await handler(request)

        mark_scope(guarded, scope)
        return guarded

    return decorate
