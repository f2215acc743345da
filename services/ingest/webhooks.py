"""Provider webhook routes (CONTRACT §3): authenticate, bound, publish with confirm, answer.

Thin on purpose: the body is not interpreted beyond what authenticity and a
well-formedness check need; the processor parses it. `200` only after the
broker confirmed the raw event; any other answer enqueues nothing.
"""

from __future__ import annotations

import time

import orjson
import structlog
from aiohttp import web

from services.ingest import keys
from services.ingest.enqueue import enqueue
from services.ingest.errors import error_response
from services.ingest.provider_auth import (
    ACCEPTED,
    Verdict,
    check_basic,
    mailgun_signature_fields,
    verify_mailgun,
    verify_sendgrid,
)
from services.ingest.sns import handle_sns_control
from services.ingest.sns_signature import verify_sns
from shared.raw import FORWARDED_HEADERS

log = structlog.get_logger(__name__)
routes = web.RouteTableDef()

PROVIDERS = ("ses", "mailgun", "sendgrid")


def _sns_topic(request: web.Request, body: bytes) -> str | None:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        doc = None
    topic = doc.get("TopicArn") if isinstance(doc, dict) else None
    return topic if isinstance(topic, str) else request.headers.get("x-amz-sns-topic-arn")


async def _authenticate_ses(request: web.Request, body: bytes, basic_ok: bool) -> Verdict:
    """Basic auth or a valid SNS signature; the topic allow-list holds for both."""
    settings = request.app[keys.SETTINGS]
    allowed = settings.topic_arns
    if allowed is not None and _sns_topic(request, body) not in allowed:
        return Verdict(False, "topic not allowed by BOUNCEFLOW_SNS_TOPIC_ARNS")
    if basic_ok:
        return ACCEPTED
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        doc = None
    if isinstance(doc, dict) and "Signature" in doc:
        return await verify_sns(doc, request.app[keys.SNS_CERTS], allowed)
    # raw message delivery carries no signature: SNS sends basic auth after a challenge
    return Verdict(False, "authentication required", challenge=True)


async def _authenticate(request: web.Request, provider: str, body: bytes) -> Verdict:
    settings = request.app[keys.SETTINGS]
    basic = settings.basic_auth_pair
    basic_ok = check_basic(request.headers.get("Authorization"), basic)
    if provider == "ses":
        return await _authenticate_ses(request, body, basic_ok)
    if basic_ok:
        return ACCEPTED
    if provider == "mailgun" and settings.mailgun_signing_key is not None:
        fields = mailgun_signature_fields(request.content_type, body)
        verdict = verify_mailgun(
            fields,
            settings.mailgun_signing_key.get_secret_value(),
            time.time(),
            settings.signature_tolerance,
        )
        if verdict.ok and fields is not None:
            return Verdict(True, token=fields[1])
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
    guard = request.app[keys.MAILGUN_TOKENS]
    if verdict.token is not None and guard.seen(verdict.token):
        log.info("webhook_replay_ignored", provider=provider)
        return web.json_response({"success": True, "data": {"duplicate": True}})
    forwarded = {h: v for h in FORWARDED_HEADERS if (v := request.headers.get(h)) is not None}
    response = await enqueue(request, provider, body, forwarded)
    if verdict.token is not None and response.status == 200:
        guard.remember(verdict.token)
    return response
