"""SES events, via SNS (signed envelope, control messages) or SNS raw message delivery.

`authenticate` is a coroutine: an SNS signature is checked against the certificate
at SigningCertURL, fetched once and cached (`req.certificates`).
"""

from __future__ import annotations

from typing import Any, Final

import orjson

from services.ingest.providers.base import (
    AuthMethod,
    Verdict,
    WebhookRequest,
    accepted,
    refused,
)
from services.ingest.providers.sns import envelope_problem, verify_sns
from shared.settings import Settings

NAME: Final = "ses"


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return doc if isinstance(doc, dict) else None


def _topic_allowed(settings: Settings, topic: object, basic_ok: bool) -> Verdict | None:
    """A refusal when the SNS topic is not accepted (CONTRACT §2), else None.

    An allow-list admits its topics; `*` admits any; unset, only a request that also
    carries valid basic auth is accepted: anyone can subscribe our URL to a topic in
    their own AWS account and have AWS sign what they publish."""
    allowed = settings.topic_arns
    if allowed is None:
        if basic_ok:
            return None
        return refused(
            "SNS topic not trusted: set BOUNCEFLOW_SNS_TOPIC_ARNS or send basic auth "
            "(BOUNCEFLOW_WEBHOOK_BASIC_AUTH) in the subscription URL",
            challenge=True,
        )
    if settings.any_topic or (isinstance(topic, str) and topic in allowed):
        return None
    return refused("topic not allowed by BOUNCEFLOW_SNS_TOPIC_ARNS")


async def authenticate(req: WebhookRequest, settings: Settings) -> Verdict:
    """Basic auth, or a signed SNS envelope from an accepted topic.

    Basic auth is our own secret in the subscription URL: it authenticates the whole
    request (raw message delivery has no signature at all). Without it, only a signed
    envelope passes, and the processor then reads only its signed fields."""
    doc = _json_object(req.body)
    if req.basic_ok:
        topic = req.headers.get("x-amz-sns-topic-arn")
        if doc is not None and "TopicArn" in doc:
            topic = doc["TopicArn"]
        if settings.topic_arns is not None and (refusal := _topic_allowed(settings, topic, True)):
            return refusal
        return accepted(AuthMethod.BASIC)
    if doc is None or "Signature" not in doc:
        # raw message delivery carries no signature: SNS sends basic auth after a challenge
        return refused("authentication required", challenge=True)
    if problem := envelope_problem(doc):
        return refused(problem)
    if refusal := _topic_allowed(settings, doc["TopicArn"], basic_ok=False):
        return refusal
    if req.certificates is None:
        return refused("SNS signatures cannot be checked here")
    return await verify_sns(doc, req.certificates)


def well_formed(req: WebhookRequest) -> str | None:
    """An SNS envelope or an SES event: a JSON object."""
    try:
        doc = orjson.loads(req.body)
    except orjson.JSONDecodeError:
        return "body is not JSON"
    return None if isinstance(doc, dict) else "body must be a JSON object"
