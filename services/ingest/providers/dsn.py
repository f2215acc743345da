"""POST /api/v1/webhooks/dsn: a raw bounce message from any MTA or bounce-mailbox poller.

The body is the message itself (RFC 3464 delivery-status notification, RFC 5965
feedback report, or another bounce / auto-reply), as message/rfc822, text/plain
or application/octet-stream, authenticated with an API key of scope
`subscribers`. Thin like the provider routes: bounded (client_max_size -> 413),
checked to be an email message that a bounce processor can mean (else 400),
published with confirm (else 503); the processor parses it.
"""

from __future__ import annotations

from email import policy
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from typing import Final

import structlog
from aiohttp import web

from services.ingest.api.auth import require_scope
from services.ingest.errors import error_response
from services.ingest.providers.base import AuthMethod
from services.ingest.providers.enqueue import enqueue

log = structlog.get_logger(__name__)
routes = web.RouteTableDef()

PROVIDER: Final = "dsn"
CONTENT_TYPES: Final = frozenset({"message/rfc822", "text/plain", "application/octet-stream"})
# Headers only: the raw strings, so that no header value can make the check fail.
_HEADERS: Final = BytesHeaderParser(policy=policy.compat32)
_DAEMONS: Final = frozenset({"mailer-daemon", "mailerdaemon", "mail-daemon", "postmaster"})
_AUTOMATIC: Final = (
    "x-failed-recipients",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
)
NOT_A_REPORT: Final = (
    "body is not a bounce message: expected an RFC 3464 delivery-status notification or an "
    "RFC 5965 feedback report (multipart/report), or an automatic reply / MTA bounce"
)


def report_problem(body: bytes) -> str | None:
    """Why `body` cannot be a raw bounce message, or None.

    Accepted: a multipart/report (delivery-status, feedback-report, or any other
    report type, which the processor ignores), or a message whose headers say an
    MTA or an auto-responder sent it (X-Failed-Recipients, a mailer-daemon /
    postmaster sender, Auto-Submitted other than "no", X-Autoreply, X-Autorespond,
    X-Auto-Response-Suppress, Precedence: auto_reply).
    """
    if not body.strip():
        return "empty body"
    try:
        msg = _HEADERS.parsebytes(body)
        if not msg.keys():
            return "body is not an email message (no header section)"
        if msg.get_content_type() == "multipart/report":
            return None
        return None if _automatic(msg) else NOT_A_REPORT
    except Exception:  # the email package on hostile input: whatever it is, it is no report
        log.debug("dsn_headers_unreadable", exc_info=True)
        return NOT_A_REPORT


def _automatic(msg: Message) -> bool:
    if any(msg.get(h) is not None for h in _AUTOMATIC):
        return True
    auto = str(msg.get("auto-submitted", "no")).strip().lower()
    if auto != "no" or str(msg.get("precedence", "")).strip().lower() == "auto_reply":
        return True
    senders = getaddresses([str(v) for v in msg.get_all("from", [])])
    return any(addr.split("@")[0].strip().lower() in _DAEMONS for _, addr in senders)


@routes.post("/api/v1/webhooks/dsn")
@require_scope("subscribers")
async def receive_dsn(request: web.Request) -> web.StreamResponse:
    """Accept one raw bounce message; 200 only once the broker confirmed it."""
    if request.content_type not in CONTENT_TYPES:
        return error_response(
            415,
            f"unsupported content type {request.content_type!r}: post the message itself as "
            "message/rfc822, text/plain or application/octet-stream",
        )
    body = await request.read()  # bounded by client_max_size (BOUNCEFLOW_MAX_BODY_BYTES) -> 413
    if reason := report_problem(body):
        return error_response(400, reason)
    headers = {"content-type": request.content_type}
    return await enqueue(request, PROVIDER, body, headers, AuthMethod.API_KEY)
