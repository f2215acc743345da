"""`GET /api/v1/openapi.json` and `GET /api/v1/docs`: the API described, for tools and people.

Both are public and built once per app from services.ingest.api.openapi.spec. The docs
page is rendered here from the same document: self-contained HTML, no scripts
or assets from elsewhere.
"""

from __future__ import annotations

import html
import json
from typing import Any

from aiohttp import web

from services.ingest.api.http import json_response
from services.ingest.api.openapi.spec import build_spec
from services.ingest.api.operations import Operation, describe

routes = web.RouteTableDef()

SPEC = web.AppKey("openapi_spec", dict)  # filled on first use (the router is final by then)
_METHODS = ("get", "post", "put", "patch", "delete")
_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{border-bottom:1px solid #ccc;margin-top:2.5rem}.op{margin:1.2rem 0;padding:.6rem 1rem;
border-left:4px solid #69c;background:#f7f9fb}.m{font:bold 13px monospace;text-transform:uppercase;
padding:.1rem .4rem;border-radius:3px;background:#69c;color:#fff}code,pre{font:13px monospace}
pre{background:#f4f4f4;padding:.6rem;overflow:auto}table{border-collapse:collapse}
td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
"""


def spec_of(app: web.Application) -> dict[str, Any]:
    """The app's OpenAPI document, built on first use."""
    cache: dict[str, Any] = app[SPEC]
    if not cache:
        cache.update(build_spec(app))
    return cache


@routes.get("/api/v1/openapi.json")
@describe(
    Operation(
        "This OpenAPI 3.1 document",
        tag="service",
        style="plain",
        response_media="application/json",
    )
)
async def openapi_json(request: web.Request) -> web.StreamResponse:
    """The OpenAPI 3.1 description of every route, generated from the handlers' models."""
    return json_response(spec_of(request.app))


@routes.get("/api/v1/docs")
@describe(
    Operation("This API, as a web page", tag="service", style="plain", response_media="text/html")
)
async def docs(request: web.Request) -> web.StreamResponse:
    """The OpenAPI document rendered as one self-contained HTML page."""
    return web.Response(text=render(spec_of(request.app)), content_type="text/html")


def _e(value: object) -> str:
    return html.escape(str(value))


def _schema_name(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[1]
        return f'<a href="#schema-{_e(name)}">{_e(name)}</a>'
    if "oneOf" in schema:
        return " or ".join(_schema_name(s) for s in schema["oneOf"])
    if schema.get("type") == "array":
        return f"array of {_schema_name(schema.get('items', {}))}"
    return _e(schema.get("type", "any"))


def _parameters(params: list[dict[str, Any]]) -> str:
    if not params:
        return ""
    rows = "".join(
        f"<tr><td><code>{_e(p['name'])}</code></td><td>{_e(p['in'])}</td>"
        f"<td>{'yes' if p.get('required') else ''}</td>"
        f"<td><code>{_e(json.dumps(p['schema']))}</code></td>"
        f"<td>{_e(p.get('description', ''))}</td></tr>"
        for p in params
    )
    head = "<tr><th>name</th><th>in</th><th>required</th><th>schema</th><th></th></tr>"
    return f"<table>{head}{rows}</table>"


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    parts = [
        f'<div class="op"><span class="m">{_e(method)}</span> <code>{_e(path)}</code> '
        f"— {_e(op.get('summary', ''))}"
    ]
    if op.get("x-required-scope"):
        parts.append(f"<br>scope: <code>{_e(op['x-required-scope'])}</code>")
    if op.get("description"):
        parts.append(f"<p>{_e(op['description'])}</p>")
    parts.append(_parameters(op.get("parameters", [])))
    body = op.get("requestBody")
    if body:
        media = ", ".join(
            f"{_e(m)}: {_schema_name(c['schema'])}" for m, c in body["content"].items()
        )
        parts.append(f"<p>body: {media}</p>")
    answers = ", ".join(
        f"{_e(status)} "
        + " ".join(_schema_name(c["schema"]) for c in answer.get("content", {}).values())
        for status, answer in op["responses"].items()
    )
    parts.append(f"<p>answers: {answers}</p></div>")
    return "".join(parts)


def render(spec: dict[str, Any]) -> str:
    """The whole document as one HTML page."""
    info = spec["info"]
    out = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{_e(info['title'])}</title>",
        f"<style>{_STYLE}</style></head><body><h1>{_e(info['title'])} {_e(info['version'])}</h1>",
        f"<p>{_e(info['description'])} Machine-readable: "
        '<a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>',
    ]
    for tag in spec["tags"]:
        ops = [
            _operation(path, method, item[method])
            for path, item in spec["paths"].items()
            for method in _METHODS
            if method in item and tag["name"] in item[method].get("tags", [])
        ]
        if ops:
            out.append(f"<h2>{_e(tag['name'])}</h2>" + "".join(ops))
    out.append("<h2>Schemas</h2>")
    for name, schema in spec["components"]["schemas"].items():
        pretty = _e(json.dumps(schema, indent=2))
        out.append(f'<h3 id="schema-{_e(name)}">{_e(name)}</h3><pre>{pretty}</pre>')
    out.append("</body></html>")
    return "".join(out)
