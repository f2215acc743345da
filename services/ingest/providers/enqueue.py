"""The last step of every provider route: publish the raw request, then answer.

`200` with the new event id only once the broker confirmed the publish;
`503` + `Retry-After` otherwise, so the provider retries and nothing is lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

import structlog
from aiohttp import web

from services.ingest import state
from services.ingest.errors import error_response
from services.ingest.providers.base import AuthMethod
from services.ingest.providers.publisher import BrokerUnavailable
from shared.raw import RawEvent

log = structlog.get_logger(__name__)

RETRY_AFTER_SECONDS = "5"


async def enqueue(
    request: web.Request,
    provider: str,
    body: bytes,
    headers: Mapping[str, str],
    auth: AuthMethod | None,
) -> web.Response:
    """Publish `body` as a new raw event of `provider`; the answer for the provider.

    `auth` (how the request was authenticated) travels with the event: from a signed
    SNS envelope the processor reads only the signed fields."""
    event_id = "evt_" + uuid.uuid4().hex
    raw = RawEvent(
        event_id, provider, body, datetime.now(UTC), dict(headers), auth.value if auth else None
    )
    try:
        await request.app[state.PUBLISHER].publish(raw)
    except BrokerUnavailable as exc:
        log.warning("webhook_not_accepted", provider=provider, event_id=event_id, error=str(exc))
        return error_response(
            503,
            "the event could not be queued; retry later",
            headers={"Retry-After": RETRY_AFTER_SECONDS},
        )
    log.info("webhook_accepted", provider=provider, event_id=event_id, bytes=len(body))
    return web.json_response({"success": True, "data": {"event_id": event_id}})
