"""Raw bounce messages: RFC 3464 delivery-status notifications and RFC 5965 (ARF)
feedback reports, posted as the message itself by an MTA or a bounce-mailbox poller.

Read with the standard `email` package. A multipart/report with a
message/delivery-status part gives one event per failed recipient (Action: failed;
delayed, delivered, relayed and expanded are not bounces), classified by its
RFC 3463 Status; one with a message/feedback-report part gives one complaint per
reported recipient (Original-Rcpt-To, else the To of the attached original). A
message that is no report is either an auto-reply (nothing) or a non-standard
bounce, whose failed addresses flufl.bounce (Mailman's detectors: Exim, qmail,
Microsoft, Yahoo, ...) finds; its status code, if any, is read from the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from typing import Final

from services.processor.parsers import _mime, _plain
from services.processor.parsers._common import (
    DEFAULT_KEYS,
    MetadataKeys,
    ParseError,
    address_of,
    event,
    first_domain,
    sha256_hex,
    strip_angle,
)
from shared.classification import Classification, classify
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import RawEvent

_PARSER: Final = BytesParser(policy=policy.compat32)  # see _mime: plain-string headers
_STATUS_PARTS: Final = ("message/delivery-status", "message/global-delivery-status")
_FEEDBACK_PARTS: Final = ("message/feedback-report",)
# RFC 3464 actions; OpenSMTPD writes the non-standard "error" for "failed"
_ACTIONS: Final = {a: a for a in ("failed", "delayed", "delivered", "relayed", "expanded")} | {
    "error": "failed"
}
_WORD: Final = re.compile(r"[a-z][a-z-]*")
_STATUS: Final = re.compile(r"\s*([245]\.\d{1,3}\.\d{1,3})(?![\d.])")
_MAX_DIAGNOSTIC: Final = 1000


@dataclass(frozen=True, slots=True)
class _Report:
    """What every event read from one message shares."""

    key_prefix: str
    date: datetime | None
    original: Message | None
    message_id: str | None
    sending_domain: str | None
    raw: RawEvent
    keys: MetadataKeys

    def event(self, email: str, c: Classification, when: datetime | None) -> CanonicalEvent:
        campaign = _mime.header_meta(self.original, self.keys.campaign)
        name = _mime.header_meta(self.original, self.keys.subscriber_name)
        if name is None:  # the display name the original message gave the recipient
            name = next((n for n, a in _mime.addresses(self.original, "To") if a == email), None)
        return event(
            source=Source.DSN,
            dedup_key=f"{self.key_prefix}:{email}",
            email=email,
            occurred_at=when or self.date or self.raw.received_at,
            c=c,
            provider_message_id=self.message_id,
            campaign_name=campaign,
            subscriber_name=name or None,
            sending_domain=self.sending_domain,
        )


def parse(raw: RawEvent, keys: MetadataKeys = DEFAULT_KEYS) -> list[CanonicalEvent]:
    """Canonical events of one raw bounce message (DSN, ARF, non-standard bounce)."""
    if not raw.body.strip():
        raise ParseError("dsn: empty body")
    msg = _PARSER.parsebytes(raw.body)
    report_id = _mime.header(msg, "Message-ID")
    original = _mime.original(msg)
    report = _Report(
        key_prefix="dsn:" + sha256_hex(report_id.encode() if report_id else raw.body),
        date=_mime.date(_mime.header(msg, "Date")),
        original=original,
        message_id=strip_angle(_mime.header(original, "Message-ID")),
        sending_domain=_sending_domain(msg, original, keys),
        raw=raw,
        keys=keys,
    )
    if msg.get_content_type() == "multipart/report":
        return _multipart_report(msg, report)
    if _plain.is_autoreply(msg):
        return []
    found = _plain.failures(raw.body)
    if found is None:
        if _plain.is_automatic(msg):
            return []  # an automatic message that reports no failure
        raise ParseError(
            "dsn: neither a delivery-status notification, a feedback report, an auto-reply "
            "nor a bounce flufl.bounce recognises"
        )
    return [report.event(email, c, None) for email, c in found]


def _sending_domain(msg: Message, original: Message | None, keys: MetadataKeys) -> str | None:
    """The original message's From, else its Return-Path; else the report's own To (a
    bounce goes back to the envelope sender); last a header named by `keys.sending_domain`.
    The report's From and Return-Path are the reporting MTA's and its null sender: never."""
    return first_domain(
        *(a for _, a in _mime.addresses(original, "From")),
        _mime.header(original, "Return-Path"),
        *(a for _, a in _mime.addresses(msg, "To")),
        _mime.header_meta(original, keys.sending_domain),
    )


def _multipart_report(msg: Message, report: _Report) -> list[CanonicalEvent]:
    kind = (_mime.param(msg, "report-type") or "").lower()
    status = _mime.first_part(msg, _STATUS_PARTS)
    feedback = _mime.first_part(msg, _FEEDBACK_PARTS)
    if kind in ("delivery-status", "global-delivery-status") or (not kind and status):
        if status is None:
            raise ParseError("dsn: delivery-status report without a message/delivery-status part")
        return _dsn(status, report)
    if kind == "feedback-report" or (not kind and feedback):
        if feedback is None:
            raise ParseError("dsn: feedback report without a message/feedback-report part")
        return _arf(feedback, report)
    if kind:
        return []  # another kind of report (disposition-notification: a read receipt)
    raise ParseError("dsn: multipart/report without a report-type or a report part")


def _is_recipient_block(block: Message) -> bool:
    return any(_mime.header(block, f) for f in ("Action", "Final-Recipient", "Original-Recipient"))


def _dsn(part: Message, report: _Report) -> list[CanonicalEvent]:
    blocks = _mime.blocks(part)
    per_message = blocks[0] if blocks and not _is_recipient_block(blocks[0]) else None
    arrival = _mime.date(_mime.header(per_message, "Arrival-Date"))
    recipients = [b for b in blocks if _is_recipient_block(b)]
    if not recipients:
        raise ParseError("dsn: delivery-status report without per-recipient fields")
    out: list[CanonicalEvent] = []
    seen: set[str] = set()
    for i, block in enumerate(recipients):
        word = _WORD.match((_mime.header(block, "Action") or "").lower())
        action = _ACTIONS.get(word[0]) if word else None
        if action is None:
            raise ParseError(f"dsn: recipient #{i}: missing or unknown Action")
        status = _STATUS.match(_mime.header(block, "Status") or "")
        diagnostic = _mime.header(block, "Diagnostic-Code")
        c = classify(
            Source.DSN,
            action,
            status=status[1] if status else None,
            diagnostic=diagnostic[:_MAX_DIAGNOSTIC] if diagnostic else None,
        )
        if c.kind is EventKind.IGNORED:
            continue
        email = _recipient(block, i)
        if email not in seen:
            seen.add(email)
            when = _mime.date(_mime.header(block, "Last-Attempt-Date"))
            out.append(report.event(email, c, when or report.date or arrival))
    return out


def _recipient(block: Message, i: int) -> str:
    """Original-Recipient (the address we sent to), else Final-Recipient."""
    for field in ("Original-Recipient", "Final-Recipient"):
        value = _mime.header(block, field)
        if not value:
            continue
        address = value.partition(";")[2] or value  # "rfc822; a@b", or untyped
        if "@" in address:
            try:
                return address_of(address, f"dsn: recipient #{i}")
            except ParseError:
                continue
    raise ParseError(f"dsn: failed recipient #{i} has no email address")


def _arf(part: Message, report: _Report) -> list[CanonicalEvent]:
    blocks = _mime.blocks(part)
    fields = blocks[0] if blocks else None
    word = _WORD.match((_mime.header(fields, "Feedback-Type") or "").lower())
    if word is None:
        raise ParseError("dsn: feedback report without a Feedback-Type")
    c = classify(Source.DSN, "feedback", word[0], subtype=word[0])
    if c.kind is EventKind.IGNORED:
        return []
    emails = [
        address_of(v, "dsn: Original-Rcpt-To") for v in _mime.headers(fields, "Original-Rcpt-To")
    ]
    if not emails:
        to = {a for _, a in _mime.addresses(report.original, "To")}
        if len(to) != 1:
            raise ParseError(
                "dsn: feedback report without Original-Rcpt-To, and the original message's "
                f"To names {len(to)} addresses, not one: the recipient is unknown"
            )
        emails = [address_of(to.pop(), "dsn: original To")]
    arrival = _mime.header(fields, "Arrival-Date") or _mime.header(fields, "Received-Date")
    when = report.date or _mime.date(arrival)
    return [report.event(e, c, when) for e in dict.fromkeys(emails)]
