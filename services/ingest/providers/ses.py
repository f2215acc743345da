"""SES events, via SNS (signed envelope, control messages) or SNS raw message delivery.

`authenticate` is a coroutine: an SNS signature is checked against the certificate
at SigningCertURL, fetched once and cached (`req.certificates`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import orjson

from services.ingest.providers.base import (
    AuthMethod,
    Verdict,
    WebhookRequest,
    accepted,
    refused,
)
from services.ingest.providers.sns import verify_sns
from shared.settings import Settings

NAME: Final = "ses"


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def _sns_topic(doc: Any, headers: Mapping[str, str]) -> str | None:
    topic = doc.get("TopicArn") if isinstance(doc, dict) else None
    return topic if isinstance(topic, str) else headers.get("x-amz-sns-topic-arn")


async def authenticate(req: WebhookRequest, settings: Settings) -> Verdict:
    """Basic auth or a valid SNS signature; the topic allow-list holds for both."""
    allowed = settings.topic_arns
    doc = _json(req.body)
    if allowed is not None and _sns_topic(doc, req.headers) not in allowed:
        return refused("topic not allowed by BOUNCEFLOW_SNS_TOPIC_ARNS")
    if req.basic_ok:
        return accepted(AuthMethod.BASIC)
    if isinstance(doc, dict) and "Signature" in doc:
        if req.certificates is None:
            return refused("SNS signatures cannot be checked here")
        return await verify_sns(doc, req.certificates, allowed)
    # raw message delivery carries no signature: SNS sends basic auth after a challenge
    return refused("authentication required", challenge=True)


def well_formed(req: WebhookRequest) -> str | None:
    """An SNS envelope or an SES event: a JSON object."""
    try:
        doc = orjson.loads(req.body)
    except orjson.JSONDecodeError:
        return "body is not JSON"
    return None if isinstance(doc, dict) else "body must be a JSON object"
