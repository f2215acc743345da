"""API key authentication for the management API (CONTRACT §5).

`require_scope("subscribers")` wraps a handler: no key or an unknown/revoked key
answers 401 with a Basic challenge, a key without the scope answers 403
`Required permission: <scope>` (seed 000). The key's ApiKeyInfo is left on the
request under API_KEY for the handler.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from aiohttp import web

from services.ingest import keys
from services.ingest.errors import error_response
from shared.apikeys import SCOPES, ApiKeyInfo, authenticate, parse_authorization

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

API_KEY = web.RequestKey("api_key", ApiKeyInfo)
CHALLENGE = {"WWW-Authenticate": 'Basic realm="bounceflow"'}


def require_scope(scope: str) -> Callable[[Handler], Handler]:
    """Decorate a handler so that only keys holding `scope` (or admin) reach it."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            key = parse_authorization(request.headers.get("Authorization"))
            if key is None:
                return error_response(
                    401,
                    "an API key is required (Authorization: Bearer <key>)",
                    headers=CHALLENGE,
                )
            info = await authenticate(request.app[keys.POOL], key)
            if info is None:
                return error_response(401, "invalid API key", headers=CHALLENGE)
            if not info.allows(scope):
                return error_response(403, f"Required permission: {scope}")
            request[API_KEY] = info
            return await handler(request)

        return guarded

    return decorate
