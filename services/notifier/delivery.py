"""One delivery attempt on the wire: sign, POST, read the answer. Never raises for
endpoint trouble; every failure becomes an AttemptResult."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import orjson

from services.notifier import guard
from services.notifier.signing import webhook_headers
from shared.netguard import redact_url
from shared.webhook_deliveries.claims import Claim
from shared.webhook_deliveries.outcomes import AttemptResult, parse_retry_after

# How much of an endpoint's answer we keep for the attempt log (bytes).
MAX_RESPONSE_BODY = 2048


async def attempt(
    session: aiohttp.ClientSession, claim: Claim, allow_private: bool
) -> AttemptResult:
    """POST `claim`'s payload, signed, to its endpoint; redirects are not followed.

    Timeouts come from the session (total = notifier_request_timeout, connect 5 s).
    """
    refused = guard.refusal(claim.url, allow_private)
    if refused is not None:
        return AttemptResult(status_code=None, latency_ms=0.0, error=refused)
    body = orjson.dumps(claim.payload)
    now = time.time()
    # a fresh timestamp per attempt: receivers reject signatures older than ~5 minutes
    try:
        headers = webhook_headers(claim.secrets, claim.message_id, int(now), body)
    except ValueError as exc:
        # a corrupt stored secret: fail the attempt (retried, then dead-lettered) rather than
        # crash the task and leave the delivery to come back with every lease expiry
        return AttemptResult(status_code=None, latency_ms=0.0, error=f"cannot sign: {exc}")
    started = time.monotonic()
    try:
        async with session.post(
            claim.url, data=body, headers=headers, allow_redirects=False
        ) as resp:
            status = resp.status
            retry_after = parse_retry_after(resp.headers.get("Retry-After"), now)
            snippet = await _read_prefix(resp)
    except aiohttp.ConnectionTimeoutError:
        return AttemptResult(None, _ms_since(started), error="connect timed out")
    except TimeoutError:
        return AttemptResult(None, _ms_since(started), error="timed out")
    except (aiohttp.ClientError, OSError) as exc:
        return AttemptResult(None, _ms_since(started), error=_describe(exc, claim.url))
    return AttemptResult(
        status_code=status,
        latency_ms=_ms_since(started),
        response_body=snippet,
        retry_after=retry_after,
    )


async def _read_prefix(resp: aiohttp.ClientResponse) -> str | None:
    """Up to MAX_RESPONSE_BODY bytes of the answer as text; None if it cannot be read.

    The status already decides the outcome, so a body that fails to arrive only
    costs us the log excerpt.
    """
    chunks: list[bytes] = []
    size = 0
    try:
        while size < MAX_RESPONSE_BODY:
            chunk = await resp.content.read(MAX_RESPONSE_BODY - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except (TimeoutError, aiohttp.ClientError, OSError, asyncio.IncompleteReadError):
        if not chunks:
            return None
    # Postgres text cannot hold NUL; a cut multi-byte character becomes U+FFFD
    return b"".join(chunks).decode("utf-8", errors="replace").replace("\x00", "")


def _ms_since(started: float) -> float:
    return (time.monotonic() - started) * 1000.0


def _describe(exc: BaseException, url: str) -> str:
    """The error as stored and logged; the URL (which may carry a token in its path or
    query) is cut down to scheme, host and port if the message quotes it."""
    text = str(exc).replace(url, redact_url(url))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
