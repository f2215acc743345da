"""Amazon SES via SNS: an SNS envelope (the SES event JSON as a string in `Message`)
or SNS raw message delivery (the SES event itself; the id only in a header).

Both SES schemas are read: identity notifications (`notificationType`) and event
publishing (`eventType`). One canonical event per bounced, complained or
delivered recipient; every other SES event type is dropped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from services.processor.parsers._common import (
    DEFAULT_KEYS,
    Metadata,
    MetadataKeys,
    ParseError,
    address_of,
    event,
    first_domain,
    first_text,
    from_iso,
    loads,
    metadata_of,
    sha256_hex,
    text,
)
from shared.classification import Verdict, classify, lookup, note_unrecognised
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import AuthMethod, RawEvent

_SNS_CONFIRMATIONS: Final = frozenset({"SubscriptionConfirmation", "UnsubscribeConfirmation"})
# SES category -> (object key, recipients key)
_RECIPIENTS: Final = {
    "bounce": ("bounce", "bouncedRecipients"),
    "complaint": ("complaint", "complainedRecipients"),
    "delivery": ("delivery", "recipients"),
}


def parse(raw: RawEvent, keys: MetadataKeys = DEFAULT_KEYS) -> list[CanonicalEvent]:
    """Canonical events of one SNS POST from SES ([] for SNS control messages)."""
    doc = loads(raw.body, "ses: body")
    if not isinstance(doc, dict):
        raise ParseError("ses: body is not a JSON object")
    # From a signed SNS envelope only the signed fields count (CONTRACT §3): top-level
    # SES keys beside them were not signed and are never read.
    signed = raw.auth == AuthMethod.SNS_SIGNATURE
    raw_delivery = raw.headers.get("x-amz-sns-rawdelivery", "").strip().lower() == "true"
    if not signed and (raw_delivery or "eventType" in doc or "notificationType" in doc):
        sns_id = text(raw.headers.get("x-amz-sns-message-id"))
        return _ses_events(doc, sns_id, None, raw.body, raw, keys)
    if "Type" not in doc:
        raise ParseError("ses: body is neither an SNS message nor an SES event")
    sns_type = doc["Type"]
    if not isinstance(sns_type, str):
        raise ParseError(f"ses: SNS Type is not a string: {sns_type!r}")
    if sns_type in _SNS_CONFIRMATIONS:
        return []  # ingest confirms subscriptions; nothing to apply
    if sns_type != "Notification":
        raise ParseError(f"ses: unknown SNS message Type {sns_type!r}")
    message = doc.get("Message")
    if not isinstance(message, str):
        raise ParseError("ses: SNS Notification without a string Message")
    if not message.lstrip().startswith(("{", "[")):
        return []  # plain text, e.g. "Successfully validated SNS topic for Amazon SES..."
    ses_event = loads(message, "ses: SNS Message")
    if not isinstance(ses_event, dict):
        raise ParseError("ses: SNS Message is not a JSON object")
    sns_id = text(doc.get("MessageId"))
    if not signed:
        sns_id = sns_id or text(raw.headers.get("x-amz-sns-message-id"))
    return _ses_events(ses_event, sns_id, doc.get("Timestamp"), message.encode(), raw, keys)


def _ses_events(
    msg: dict[str, Any],
    sns_id: str | None,
    sns_time: object,
    blob: bytes,
    raw: RawEvent,
    keys: MetadataKeys,
) -> list[CanonicalEvent]:
    found = _event_object(msg)
    if found is None:
        return []
    etype, category, obj, rcpt_key = found
    qualifier = ""
    if category == "bounce":
        qualifier = f"{obj.get('bounceType') or ''}/{obj.get('bounceSubType') or ''}".lower()
    recipients = obj.get(rcpt_key)
    if not isinstance(recipients, list) or not recipients:
        raise ParseError(f"ses: {etype} event without {rcpt_key}")
    mail = msg.get("mail")
    if not isinstance(mail, dict):
        mail = {}
    occurred_at = _occurred_at(obj, mail, sns_time, raw)
    prefix = f"ses:{sns_id}" if sns_id else f"ses:sha256:{sha256_hex(blob)}"
    message_id, campaign, subscriber, domain = _mail_meta(mail, keys)
    if category == "complaint":
        subtype = text(obj.get("complaintSubType")) or text(obj.get("complaintFeedbackType"))
    else:
        subtype = text(obj.get("bounceSubType"))
    delivery_response = text(obj.get("smtpResponse"))

    out: list[CanonicalEvent] = []
    for i, rcpt in enumerate(recipients):
        what = f"ses: {etype} recipient #{i}"
        status = diagnostic = None
        if isinstance(rcpt, dict):
            address = rcpt.get("emailAddress")
            status, diagnostic = text(rcpt.get("status")), text(rcpt.get("diagnosticCode"))
        else:
            address = rcpt
            diagnostic = delivery_response
        email = address_of(address, what)
        c = classify(
            Source.SES, category, qualifier, status=status, diagnostic=diagnostic, subtype=subtype
        )
        if c.kind is not EventKind.IGNORED:
            out.append(
                event(
                    source=Source.SES,
                    dedup_key=f"{prefix}:{email}",
                    email=email,
                    occurred_at=occurred_at,
                    c=c,
                    provider_message_id=message_id,
                    campaign_name=campaign,
                    subscriber_name=subscriber,
                    sending_domain=domain,
                )
            )
    return out


def _event_object(msg: dict[str, Any]) -> tuple[str, str, dict[str, Any], str] | None:
    """(type, category, its object, its recipients key), or None when nothing applies."""
    etype = msg.get("eventType") or msg.get("notificationType")
    if etype is None:
        return None  # an SES message of no known schema (e.g. "{}"): nothing to apply
    if not isinstance(etype, str):
        raise ParseError(f"ses: eventType/notificationType is not a string: {etype!r}")
    category = etype.lower()
    obj_key, rcpt_key = _RECIPIENTS.get(category, ("", ""))
    if not obj_key and _holds_recipients(msg):
        # an undocumented type carrying a bounce/complaint/delivery object (moto sends
        # such): not guessed at, but never dropped silently -- the processor dead-letters it
        note_unrecognised(Source.SES, category, with_recipient=True)
        return None
    obj = msg.get(obj_key) if obj_key else None
    if not isinstance(obj, dict):
        if lookup(Source.SES, category).verdict is Verdict.IGNORED:
            return None
        raise ParseError(f"ses: {etype} event without a {obj_key!r} object")
    return etype, category, obj, rcpt_key


def _holds_recipients(msg: dict[str, Any]) -> bool:
    for obj_key, rcpt_key in _RECIPIENTS.values():
        obj = msg.get(obj_key)
        if isinstance(obj, dict) and obj.get(rcpt_key):
            return True
    return False


def _mail_meta(
    mail: dict[str, Any], keys: MetadataKeys
) -> tuple[str | None, str | None, str | None, str | None]:
    """(mail.messageId, campaign, subscriber name, sending domain); metadata from `mail.tags`."""
    tags = mail.get("tags")
    if not isinstance(tags, dict):
        tags = {}
    meta = metadata_of(tags, keys)
    return (
        text(mail.get("messageId")),
        meta.campaign,
        meta.subscriber_name,
        _sending_domain(mail, tags, meta),
    )


def _sending_domain(mail: dict[str, Any], tags: dict[str, Any], meta: Metadata) -> str | None:
    """`mail.source`, else a domain identity of `mail.sourceArn`, SES's own `ses:from-domain`
    tag, the From header, and last a tag named by `keys.sending_domain`."""
    arn = text(mail.get("sourceArn")) or ""
    identity = arn.partition(":identity/")[2]
    headers = mail.get("commonHeaders")
    return first_domain(
        mail.get("source"),
        None if "@" in identity else identity,  # an address identity: `source` names it
        first_text(tags.get("ses:from-domain")),
        first_text(headers.get("from")) if isinstance(headers, dict) else None,
        meta.sending_domain,
    )


def _occurred_at(
    obj: dict[str, Any], mail: dict[str, Any], sns_time: object, raw: RawEvent
) -> datetime:
    for value, where in (
        (obj.get("timestamp"), "event timestamp"),
        (mail.get("timestamp"), "mail.timestamp"),
        (sns_time, "SNS Timestamp"),
    ):
        if value:
            return from_iso(value, f"ses: {where}")
    return raw.received_at
