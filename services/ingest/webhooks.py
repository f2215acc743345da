"""Provider webhook routes (CONTRACT §3): authenticate, bound, publish with confirm, answer.

Thin on purpose: the body is not interpreted beyond what authenticity and a
well-formedness check need; the processor parses it. `200` only after the
broker confirmed the raw event; any other answer enqueues nothing.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
import structlog
from aiohttp import web

from services.ingest import keys
from services.ingest.enqueue import enqueue
from services.ingest.errors import error_response
from services.ingest.provider_auth import (
    check_basic,
    mailgun_signature_fields,
    verify_mailgun,
    verify_sendgrid,
)
from services.ingest.providers.base import AuthMethod, Verdict, accepted
from services.ingest.replay_guard import TokenClaim, claim_token, release_token
from services.ingest.sns import handle_sns_control
from services.ingest.sns_signature import envelope_problem, verify_sns
from shared.raw import FORWARDED_HEADERS
from shared.settings import Settings

log = structlog.get_logger(__name__)
routes = web.RouteTableDef()

PROVIDERS = ("ses", "mailgun", "sendgrid")


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
        return Verdict(
            False,
            "SNS topic not trusted: set BOUNCEFLOW_SNS_TOPIC_ARNS or send basic auth "
            "(BOUNCEFLOW_WEBHOOK_BASIC_AUTH) in the subscription URL",
            challenge=True,
        )
    if settings.any_topic or (isinstance(topic, str) and topic in allowed):
        return None
    return Verdict(False, "topic not allowed by BOUNCEFLOW_SNS_TOPIC_ARNS")


async def _authenticate_ses(request: web.Request, body: bytes, basic_ok: bool) -> Verdict:
    """Basic auth, or a signed SNS envelope from an accepted topic.

    Basic auth is our own secret in the subscription URL: it authenticates the whole
    request (raw message delivery has no signature at all). Without it, only a signed
    envelope passes, and the processor then reads only its signed fields."""
    settings = request.app[keys.SETTINGS]
    doc = _json_object(body)
    if basic_ok:
        topic = request.headers.get("x-amz-sns-topic-arn")
        if doc is not None and "TopicArn" in doc:
            topic = doc["TopicArn"]
        if settings.topic_arns is not None and (refusal := _topic_allowed(settings, topic, True)):
            return refusal
        return accepted(AuthMethod.BASIC)
    if doc is None or "Signature" not in doc:
        # raw message delivery carries no signature: SNS sends basic auth after a challenge
        return Verdict(False, "authentication required", challenge=True)
    if problem := envelope_problem(doc):
        return Verdict(False, problem)
    if refusal := _topic_allowed(settings, doc["TopicArn"], basic_ok=False):
        return refusal
    return await verify_sns(doc, request.app[keys.SNS_CERTS])


async def _authenticate(request: web.Request, provider: str, body: bytes) -> Verdict:
    settings = request.app[keys.SETTINGS]
    basic = settings.basic_auth_pair
    basic_ok = check_basic(request.headers.get("Authorization"), basic)
    if provider == "ses":
        return await _authenticate_ses(request, body, basic_ok)
    if basic_ok:
        return accepted(AuthMethod.BASIC)
    if provider == "mailgun" and settings.mailgun_signing_key is not None:
        fields = mailgun_signature_fields(request.content_type, body)
        verdict = verify_mailgun(
            fields,
            settings.mailgun_signing_key.get_secret_value(),
            time.time(),
            settings.signature_tolerance,
        )
        if verdict.ok and fields is not None:
            return accepted(AuthMethod.SIGNATURE, token=fields[1])
        return verdict
    if provider == "sendgrid" and (key := request.app[keys.PROVIDER_KEYS].sendgrid) is not None:
        return verify_sendgrid(
            key, request.headers, body, time.time(), settings.signature_tolerance
        )
    if basic is not None:
        return Verdict(False, "authentication required", challenge=True)
    setting = {
        "mailgun": "BOUNCEFLOW_MAILGUN_SIGNING_KEY",
        "sendgrid": "BOUNCEFLOW_SENDGRID_PUBLIC_KEY",
    }[provider]
    return Verdict(
        False, f"no authentication configured: set {setting} or BOUNCEFLOW_WEBHOOK_BASIC_AUTH"
    )


def _well_formed(provider: str, content_type: str, body: bytes) -> str | None:
    """A reason the body cannot be a webhook of `provider`, or None."""
    if provider == "mailgun" and not content_type.startswith("application/json"):
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            return None
        return f"unsupported content type {content_type!r} for Mailgun"
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "body is not JSON"
    if provider == "sendgrid" and not isinstance(doc, list):
        return "SendGrid posts a JSON array of events"
    if provider in ("ses", "mailgun") and not isinstance(doc, dict):
        return "body must be a JSON object"
    return None


@routes.post("/api/v1/webhooks/{provider}")
async def receive_webhook(request: web.Request) -> web.Response:
    """Accept one provider request; 200 only once the broker confirmed it."""
    provider = request.match_info["provider"]
    if provider not in PROVIDERS:
        return error_response(
            404, f"unknown provider {provider!r}; use one of {', '.join(PROVIDERS)}"
        )
    body = await request.read()  # bounded by client_max_size (BOUNCEFLOW_MAX_BODY_BYTES) -> 413
    verdict = await _authenticate(request, provider, body)
    if not verdict.ok:
        log.info("webhook_rejected", provider=provider, reason=verdict.reason)
        headers = {"WWW-Authenticate": 'Basic realm="bounceflow"'} if verdict.challenge else None
        return error_response(401, verdict.reason, headers=headers)
    if reason := _well_formed(provider, request.content_type, body):
        return error_response(400, reason)
    if provider == "ses" and (control := await handle_sns_control(request, body)) is not None:
        return control
    forwarded = {h: v for h in FORWARDED_HEADERS if (v := request.headers.get(h)) is not None}
    if verdict.token is None:
        return await enqueue(request, provider, body, forwarded, verdict.method)
    return await _enqueue_once(request, provider, body, forwarded, verdict)


async def _enqueue_once(
    request: web.Request,
    provider: str,
    body: bytes,
    forwarded: dict[str, str],
    verdict: Verdict,
) -> web.Response:
    """Enqueue a request whose signature does not cover its body (Mailgun) once per token.

    The token is claimed in Postgres, so the rule holds across ingest replicas: the same
    token with the identical body is a provider retry (200, not queued again); with
    another body it is a forgery (401). A claim whose publish failed is released, so
    the provider's retry after our 503 is queued."""
    assert verdict.token is not None
    pool = request.app[keys.POOL]
    claim = await claim_token(pool, provider, verdict.token, body)
    if claim is TokenClaim.REPLAYED:
        log.info("webhook_replay_ignored", provider=provider)
        return web.json_response({"success": True, "data": {"duplicate": True}})
    if claim is TokenClaim.FORGED:
        log.warning("webhook_token_reused", provider=provider)
        return error_response(401, f"{provider} token already used for another request")
    response = await enqueue(request, provider, body, forwarded, verdict.method)
    if response.status != 200:
        await release_token(pool, provider, verdict.token)
    return response
