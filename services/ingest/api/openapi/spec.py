"""The OpenAPI 3.1 document of the app, generated from its router and pydantic models.

Every route whose handler carries an `Operation` (services.ingest.api.operations)
is described: its path, query and header parameters and its request body from
the models the handler validates with, its answers from the model it answers
with (inside the success envelope for /api/v1), its security from the scope
`require_scope` recorded. Schemas are pydantic's JSON Schema (2020-12, as
OpenAPI 3.1 uses), gathered under components. Served at /api/v1/openapi.json
and rendered at /api/v1/docs; both are public.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from importlib import metadata
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from services.ingest.api.fields import ErrorResponse, Ok
from services.ingest.api.mailgun.models import MailgunMessage
from services.ingest.api.operations import DescribedRoute, Operation, routes_of
from shared.events_out import PAYLOADS

REF = "#/components/schemas/{model}"
LEGACY_PREFIX = "/v2/"
SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "Authorization: Bearer <key>",
    },
    "basicAuth": {
        "type": "http",
        "scheme": "basic",
        "description": "user `api`, the key as password",
    },
}
TAGS = (
    "bounces",
    "subscribers",
    "suppressions",
    "stats",
    "webhook-endpoints",
    "mailgun",
    "service",
)
_PARAM = re.compile(r"{(\w+)}")
ModelKey = tuple[type[BaseModel], JsonSchemaMode]


def operation_id(method: str, path: str) -> str:
    """`get_api_v1_bounces`: unique per method and path."""
    return method.lower() + "_" + re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_")


def _response_model(op: Operation) -> type[BaseModel] | None:
    if op.response is None or op.response_media is not None:
        return None
    return Ok[op.response] if op.style == "envelope" else op.response  # type: ignore[name-defined]


def _models(routes: list[DescribedRoute]) -> list[ModelKey]:
    wanted: dict[ModelKey, None] = {
        (ErrorResponse, "serialization"): None,
        (MailgunMessage, "serialization"): None,
        **{(model, "serialization"): None for model in PAYLOADS.values()},
    }
    for route in routes:
        op = route.operation
        for model in (op.path, op.query, op.headers, op.body):
            if model is not None:
                wanted[(model, "validation")] = None
        response = _response_model(op)
        if response is not None:
            wanted[(response, "serialization")] = None
    return list(wanted)


def _plain(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema without its null branch and null default (no nulls in a URL)."""
    schema = {
        k: v for k, v in schema.items() if k != "title" and not (k == "default" and v is None)
    }
    branches = [b for b in schema.pop("anyOf", []) if b.get("type") != "null"]
    if len(branches) == 1:
        schema.update(branches[0])
    elif branches:
        schema["anyOf"] = branches
    return schema


class _Builder:
    def __init__(self, routes: list[DescribedRoute]) -> None:
        self.refs, top = models_json_schema(_models(routes), ref_template=REF)
        self.schemas: dict[str, Any] = top.get("$defs", {})

    def ref(self, model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
        return dict(self.refs[(model, mode)])

    def closed(self, model: type[BaseModel]) -> dict[str, Any]:
        """`model`'s schema without extra properties: in a form, an unknown field name
        may not even parse (multipart refuses control characters in names)."""
        name = self.refs[(model, "validation")]["$ref"].rsplit("/", 1)[1]
        self.schemas.setdefault(
            name + "Form", {**self.schemas[name], "additionalProperties": False}
        )
        return {"$ref": REF.format(model=name + "Form")}

    def _fields(self, model: type[BaseModel]) -> tuple[dict[str, Any], set[str]]:
        name = self.refs[(model, "validation")]["$ref"].rsplit("/", 1)[1]
        schema = self.schemas[name]
        return schema.get("properties", {}), set(schema.get("required", []))

    def parameters(self, route: DescribedRoute) -> list[dict[str, Any]]:
        op, out = route.operation, []
        path_fields, _ = self._fields(op.path) if op.path else ({}, set())
        for name in _PARAM.findall(route.path):
            schema = _plain(path_fields.get(name, {"type": "string"}))
            out.append({"name": name, "in": "path", "required": True, "schema": schema})
        for model, where in ((op.query, "query"), (op.headers, "header")):
            if model is None:
                continue
            fields, required = self._fields(model)
            for name, schema in fields.items():
                param = {"name": name, "in": where, "required": name in required}
                if "description" in schema:
                    param["description"] = schema["description"]
                param["schema"] = _plain({k: v for k, v in schema.items() if k != "description"})
                out.append(param)
        return out

    def request_body(self, op: Operation) -> dict[str, Any] | None:
        if op.body_media is not None:
            schema = {"type": "string"}
            if op.body_pattern:
                schema["pattern"] = op.body_pattern
            return {"required": True, "content": {op.body_media: {"schema": schema}}}
        if op.body is None:
            return None
        ref = self.ref(op.body, "validation")
        json_schema: dict[str, Any] = ref
        if op.body_array_max:
            many = {"type": "array", "items": ref, "minItems": 1, "maxItems": op.body_array_max}
            json_schema = {"oneOf": [ref, many]}
        content: dict[str, Any] = {"application/json": {"schema": json_schema}}
        if op.body_form:
            form = {"schema": self.closed(op.body)}
            content["application/x-www-form-urlencoded"] = form
            content["multipart/form-data"] = form
        return {"required": True, "content": content}

    def responses(self, route: DescribedRoute) -> dict[str, Any]:
        op = route.operation
        model = _response_model(op)
        if model is not None:
            media, schema = "application/json", self.ref(model, "serialization")
        else:
            media = op.response_media or "application/json"
            schema = {"type": "object"} if media == "application/json" else {"type": "string"}
        success: dict[str, Any] = {
            "description": op.summary,
            "content": {media: {"schema": schema}},
        }
        if op.links:
            success["links"] = {
                name: {"operationId": operation_id(method, path), "parameters": parameters}
                for name, method, path, parameters in op.links
            }
        out: dict[str, Any] = {str(op.status): success}
        errors = set(op.errors)
        if route.scope is not None:
            errors |= {401, 403}
        if op.path or op.query or op.headers or op.body or op.body_media:
            errors.add(400)
        if _PARAM.search(route.path):
            errors.add(404)  # a path the route's pattern refuses matches no route
        error_schema = {
            "envelope": self.ref(ErrorResponse, "serialization"),
            "mailgun": self.ref(MailgunMessage, "serialization"),
            "plain": schema,
        }[op.style]
        for status in sorted(errors):
            answer: dict[str, Any] = {
                "description": HTTPStatus(status).phrase,
                "content": {"application/json": {"schema": error_schema}},
            }
            if status == 401:
                answer["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
            out[str(status)] = answer
        return out

    def operation(self, route: DescribedRoute) -> dict[str, Any]:
        op = route.operation
        doc: dict[str, Any] = {
            "operationId": operation_id(route.method, route.path),
            "summary": op.summary,
            "tags": [op.tag],
        }
        if op.description:
            doc["description"] = op.description
        if route.path.startswith(LEGACY_PREFIX):
            # the same handler as /v3: one resource under two paths, kept for old clients
            doc["deprecated"] = True
            current = "/v3/" + route.path.removeprefix(LEGACY_PREFIX)
            doc["description"] = f"Alias of `{current}` (Mailgun's v2 path).\n\n" + op.description
        if route.scope is not None:
            doc["security"] = [{"bearerAuth": []}, {"basicAuth": []}]
            doc["x-required-scope"] = route.scope
        else:
            doc["security"] = []
        parameters = self.parameters(route)
        if parameters:
            doc["parameters"] = parameters
        body = self.request_body(op)
        if body is not None:
            doc["requestBody"] = body
        doc["responses"] = self.responses(route)
        return doc


def _webhooks(builder: _Builder) -> dict[str, Any]:
    """The outgoing events (shared.events_out) as OpenAPI 3.1 webhooks: what endpoints get."""
    return {
        str(event): {
            "post": {
                "summary": f"`{event}`, signed per Standard Webhooks",
                "tags": ["webhook-endpoints"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": builder.ref(model, "serialization")}
                    },
                },
                "responses": {"200": {"description": "any 2xx within 10 s acknowledges it"}},
            }
        }
        for event, model in PAYLOADS.items()
    }


def build_spec(app: web.Application) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every described route of `app`."""
    routes, _ = routes_of(app)
    builder = _Builder(routes)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = builder.operation(route)
    try:
        version = metadata.version("bounceflow")
    except metadata.PackageNotFoundError:
        version = "0"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "bounceflow management API",
            "version": version,
            "description": "Bounce log, subscribers, suppressions, stats, outgoing webhook "
            "endpoints, and a Mailgun-compatible bounces API. Keys: `bounceflow apikey create`.",
        },
        "tags": [{"name": t} for t in TAGS],
        "paths": paths,
        "webhooks": _webhooks(builder),
        "components": {"schemas": builder.schemas, "securitySchemes": SECURITY_SCHEMES},
    }
