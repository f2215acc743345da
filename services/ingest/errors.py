"""The error envelope of /api/v1/* and the middleware that guarantees it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiohttp import web

from shared.db_errors import is_unavailable

log = structlog.get_logger(__name__)

# Seconds a client is asked to wait while the database is away (a restart takes a few).
DATABASE_RETRY_AFTER = 5

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_entity",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


def error_response(
    status: int,
    message: str,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """`{"success": false, "error": {"code", "message"}}` with the given status."""
    body: dict[str, Any] = {
        "success": False,
        "error": {"code": code or _CODES.get(status, "error"), "message": message},
    }
    return web.json_response(body, status=status, headers=headers)


@web.middleware
async def error_envelope(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn aiohttp's HTTP exceptions (and our own bugs) into the error envelope; the
    database being away (shared.db_errors) is 503 `unavailable` with Retry-After."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or not request.path.startswith("/api/"):
            raise
        headers = {
            k: v
            for k, v in exc.headers.items()
            if k.lower() not in {"content-type", "content-length"}
        }
        return error_response(
            exc.status, exc.reason if exc.text is None else _text(exc), headers=headers
        )
    except Exception as exc:
        if is_unavailable(exc):  # the database is away: retry later, not a bug
            log.warning("database_unavailable", path=request.path, error=repr(exc)[:200])
            return error_response(
                503,
                "the database is unavailable; retry later",
                headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
            )
        log.exception("unhandled_error", path=request.path, method=request.method)
        return error_response(500, "internal error")


def _text(exc: web.HTTPException) -> str:
    text = exc.text or exc.reason
    # aiohttp's default body is "<status>: <reason>"
    return text.split(": ", 1)[1] if text.startswith(f"{exc.status}: ") else text
