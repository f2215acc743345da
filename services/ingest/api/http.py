"""The HTTP edge of /api/v1: parsing requests into models (400 naming what is wrong) and
answering with the success envelope."""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)


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
    """The query string as `model`; 400 naming the parameter."""
    params = {k: request.query.getone(k) for k in request.query}
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        # the error_envelope middleware turns this into the 400 envelope
        raise web.HTTPBadRequest(text=_describe(exc, "query parameter")) from None


def parse_path(request: web.Request, model: type[ModelT]) -> ModelT:
    """The path parameters as `model`; 400 naming the parameter."""
    try:
        return model.model_validate(dict(request.match_info))
    except ValidationError as exc:
        raise web.HTTPBadRequest(text=_describe(exc, "path parameter")) from None


def parse_headers(request: web.Request, model: type[ModelT]) -> ModelT:
    """The headers `model` names (by alias); 400 naming the header."""
    wanted = {f.alias or name for name, f in model.model_fields.items()}
    present = {name: request.headers[name] for name in wanted if name in request.headers}
    try:
        return model.model_validate(present)
    except ValidationError as exc:
        raise web.HTTPBadRequest(text=_describe(exc, "header")) from None


async def read_body(request: web.Request, max_bytes: int | None = None) -> bytes:
    """The whole body; 413 past `max_bytes` (default: the app's client_max_size)."""
    if max_bytes is None:
        return await request.read()
    declared = request.content_length
    if declared is not None and declared > max_bytes:
        raise web.HTTPRequestEntityTooLarge(max_size=max_bytes, actual_size=declared)
    data = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        data += chunk
        if len(data) > max_bytes:
            raise web.HTTPRequestEntityTooLarge(max_size=max_bytes, actual_size=len(data))
    return bytes(data)


def decode_json(body: bytes) -> Any:
    """The JSON document in `body`, or None when it is not JSON."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


async def parse_body(
    request: web.Request, model: type[ModelT], max_bytes: int | None = None
) -> ModelT:
    """The JSON object body as `model`; 400 naming the field otherwise."""
    try:
        doc = orjson.loads(await read_body(request, max_bytes))
    except orjson.JSONDecodeError:
        doc = None
    if not isinstance(doc, dict):
        raise web.HTTPBadRequest(text="request body must be a JSON object")
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        raise web.HTTPBadRequest(text=_describe(exc, "field")) from None
