"""SNS control messages: SubscriptionConfirmation and UnsubscribeConfirmation.

A subscription is confirmed by fetching SubscribeURL, but only when that URL
matches BOUNCEFLOW_SNS_URL_PATTERN (so a forged message cannot make us fetch
an arbitrary URL). An UnsubscribeConfirmation is logged, never acted on.
"""

from __future__ import annotations

import re

import aiohttp
import orjson
import structlog
from aiohttp import web

from services.ingest import keys
from services.ingest.errors import error_response

log = structlog.get_logger(__name__)


async def handle_sns_control(request: web.Request, body: bytes) -> web.Response | None:
    """The response to an SNS control message, or None for a notification."""
    doc = orjson.loads(body)
    kind = doc.get("Type") if isinstance(doc, dict) else None
    if kind == "UnsubscribeConfirmation":
        log.warning("sns_unsubscribed", topic=doc.get("TopicArn"))
        return web.json_response({"success": True, "data": {"confirmed": False}})
    if kind != "SubscriptionConfirmation":
        return None
    settings = request.app[keys.SETTINGS]
    url = doc.get("SubscribeURL")
    topic = doc.get("TopicArn")
    if not isinstance(url, str) or not re.match(settings.sns_url_pattern, url):
        return error_response(400, "SubscribeURL is missing or not an SNS URL")
    session = request.app[keys.HTTP_CLIENT]
    try:
        async with session.get(url, allow_redirects=False) as response:
            ok = response.status == 200
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("sns_confirm_failed", topic=topic, error=str(exc))
        return error_response(
            503, "could not confirm the subscription", headers={"Retry-After": "5"}
        )
    if not ok:
        log.warning("sns_confirm_failed", topic=topic, status=response.status)
        return error_response(503, "SNS refused the confirmation", headers={"Retry-After": "5"})
    log.info("sns_subscribed", topic=topic)
    return web.json_response({"success": True, "data": {"confirmed": True}})
