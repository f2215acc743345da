"""Well-formedness of JSON webhook bodies (Postmark, SparkPost, Mailjet, Brevo)."""

from __future__ import annotations

import orjson

from services.ingest.providers.base import WebhookRequest


def json_reason(
    req: WebhookRequest, provider: str, *, objects: bool = True, arrays: bool = True
) -> str | None:
    """A 400 reason when the body is not JSON of the shapes `provider` sends, else None.

    `objects`: one event object may be posted; `arrays`: an array of event objects."""
    if req.content_type != "application/json":
        return f"unsupported content type {req.content_type!r} for {provider} (application/json)"
    try:
        doc = orjson.loads(req.body)
    except orjson.JSONDecodeError:
        return "body is not JSON"
    if isinstance(doc, dict) and objects:
        return None
    if isinstance(doc, list) and arrays:
        if all(isinstance(item, dict) for item in doc):
            return None
        return f"{provider} posts an array of event objects"
    shapes = " or ".join(
        s for s, ok in (("a JSON object", objects), ("an array of objects", arrays)) if ok
    )
    return f"{provider} posts {shapes}"
