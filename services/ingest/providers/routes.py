"""Provider webhook routes (CONTRACT §3): authenticate, bound, publish with confirm, answer.

Thin on purpose: the body is not interpreted beyond what authenticity and a
well-formedness check need; the processor parses it. `200` only after the
broker confirmed the raw event; any other answer enqueues nothing.
"""

from __future__ import annotations

import inspect
import time

import structlog
from aiohttp import web

from services.ingest import state
from services.ingest.errors import error_response
from services.ingest.providers.base import Verdict, WebhookRequest
from services.ingest.providers.checks import check_basic
from services.ingest.providers.enqueue import enqueue
from services.ingest.providers.registry import PROVIDERS, Provider
from shared.raw import FORWARDED_HEADERS
from shared.replay_guard import TokenClaim, release_token

log = structlog.get_logger(__name__)
routes = web.RouteTableDef()


def _webhook_request(request: web.Request, body: bytes) -> WebhookRequest:
    settings = request.app[state.SETTINGS]
    # the URL the provider posted to, as it sees it (behind a proxy: BOUNCEFLOW_PUBLIC_URL)
    base = settings.public_url
    url = base.rstrip("/") + request.rel_url.path_qs if base else str(request.url)
    return WebhookRequest(
        url=url,
        headers=request.headers,
        content_type=request.content_type,
        body=body,
        now=time.time(),
        basic_ok=check_basic(request.headers.get("Authorization"), settings.basic_auth_pair),
        certificates=request.app[state.SNS_CERTS],
    )


async def _authenticate(provider: Provider, req: WebhookRequest, request: web.Request) -> Verdict:
    verdict = provider.authenticate(req, request.app[state.SETTINGS])
    return await verdict if inspect.isawaitable(verdict) else verdict


@routes.get("/api/v1/webhooks/{provider}")  # and HEAD
async def check_webhook_url(request: web.Request) -> web.Response:
    """A provider's check of a webhook URL being added: 200 for those that send one
    (Mandrill's unsigned HEAD, Unisender Go's GET), 405 for the others. Reads no
    credentials and enqueues nothing; it only says the URL is served."""
    name = request.match_info["provider"]
    provider = PROVIDERS.get(name)
    if provider is None and name != "dsn":  # dsn: its own POST route (dsn.py)
        return error_response(404, f"unknown provider {name!r}; use one of {', '.join(PROVIDERS)}")
    if provider is None or not provider.url_check:
        return error_response(405, f"{name} webhooks are POSTed", headers={"Allow": "POST"})
    return web.json_response({"success": True, "data": {"provider": name}})


@routes.post("/api/v1/webhooks/{provider}")
async def receive_webhook(request: web.Request) -> web.Response:
    """Accept one provider request; 200 only once the broker confirmed it.

    401 when not authentic, 400 when malformed, the provider's own answer to a
    control message (SNS subscription), 200 without queuing for a replayed Mailgun
    token (401 for its token with another body), else the enqueue step's 200 or 503.
    """
    name = request.match_info["provider"]
    if (provider := PROVIDERS.get(name)) is None:
        return error_response(404, f"unknown provider {name!r}; use one of {', '.join(PROVIDERS)}")
    body = await request.read()  # bounded by client_max_size (BOUNCEFLOW_MAX_BODY_BYTES) -> 413
    req = _webhook_request(request, body)
    verdict = await _authenticate(provider, req, request)
    if not verdict.ok:
        log.info("webhook_rejected", provider=name, reason=verdict.reason)
        headers = {"WWW-Authenticate": 'Basic realm="bounceflow"'} if verdict.challenge else None
        return error_response(401, verdict.reason, headers=headers)
    if reason := provider.well_formed(req):
        return error_response(400, reason)
    if provider.control is not None:
        session, settings = request.app[state.HTTP_CLIENT], request.app[state.SETTINGS]
        if (answer := await provider.control(session, settings, body)) is not None:
            return answer
    forwarded = {h: v for h in FORWARDED_HEADERS if (v := request.headers.get(h)) is not None}
    if verdict.token is None:
        return await enqueue(request, name, body, forwarded, verdict.method)
    return await _enqueue_once(request, name, body, forwarded, verdict)


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
    pool = request.app[state.POOL]
    claim = await request.app[state.TOKEN_CLAIMS].claim(provider, verdict.token, body)
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
