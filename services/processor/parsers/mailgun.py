"""Mailgun: JSON webhooks (`signature` + `event-data`) and the legacy form webhooks.

Legacy form posts merge user-variables into the form namespace, so keys can
repeat: the event's own fields are the FIRST value of a key, the signature
fields (`timestamp`, `token`, `signature`) the LAST.
"""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from typing import Any, Final
from urllib.parse import parse_qsl

import orjson

from services.processor.parsers._batch import dict_or_empty
from services.processor.parsers._common import (
    DEFAULT_KEYS,
    Metadata,
    MetadataKeys,
    ParseError,
    address_of,
    event,
    first_domain,
    first_text,
    from_epoch,
    loads,
    metadata_of,
    sha256_hex,
    strip_angle,
    text,
)
from shared.classification import classify
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import RawEvent

_FORM: Final = "application/x-www-form-urlencoded"
_MULTIPART: Final = "multipart/form-data"


def parse(raw: RawEvent, keys: MetadataKeys = DEFAULT_KEYS) -> list[CanonicalEvent]:
    """Canonical events of one Mailgun webhook POST (JSON or legacy form)."""
    content_type = raw.headers.get("content-type", "")
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime == _MULTIPART:
        return _legacy(_multipart_fields(raw.body, content_type), raw, keys)
    if mime == _FORM or (not mime.endswith("json") and not raw.body.lstrip().startswith(b"{")):
        try:
            body = raw.body.decode()
        except UnicodeDecodeError:
            raise ParseError("mailgun: form body is not UTF-8") from None
        return _legacy(parse_qsl(body, keep_blank_values=True), raw, keys)
    return _json(raw, keys)


# -- JSON webhooks ---------------------------------------------------------------


def _json(raw: RawEvent, keys: MetadataKeys) -> list[CanonicalEvent]:
    doc = loads(raw.body, "mailgun: body")
    data = doc.get("event-data") if isinstance(doc, dict) else None
    if not isinstance(data, dict):
        raise ParseError("mailgun: JSON body without an event-data object")
    name = text(data.get("event"))
    if name is None:
        raise ParseError("mailgun: event-data without an event name")
    status = data.get("delivery-status")
    if not isinstance(status, dict):
        status = {}
    reason = text(data.get("reason"))
    c = classify(
        Source.MAILGUN,
        name.lower(),
        f"{text(data.get('severity')) or ''}/{reason or ''}".lower(),
        code=status.get("code"),
        status=text(status.get("enhanced-code")) or text(status.get("bounce-code")),
        diagnostic=text(status.get("message")) or text(status.get("description")),
        subtype=reason,
    )
    if c.kind is EventKind.IGNORED:
        return []
    email = address_of(data.get("recipient"), f"mailgun: {name} event")
    event_id = text(data.get("id"))
    if event_id:
        key = f"mailgun:{event_id}"
    else:
        key = f"mailgun:sha256:{sha256_hex(orjson.dumps(data, option=orjson.OPT_SORT_KEYS))}"
    when = data.get("timestamp")
    if when is None:
        signature = doc.get("signature")
        when = signature.get("timestamp") if isinstance(signature, dict) else None
    message = data.get("message")
    headers = message.get("headers") if isinstance(message, dict) else None
    variables = data.get("user-variables")
    if not isinstance(variables, dict):
        variables = {}
    meta = metadata_of(variables, keys)
    return [
        event(
            source=Source.MAILGUN,
            dedup_key=key,
            email=email,
            occurred_at=raw.received_at if when is None else from_epoch(when, "mailgun"),
            c=c,
            provider_message_id=(
                strip_angle(headers.get("message-id")) if isinstance(headers, dict) else None
            ),
            campaign_name=meta.campaign or first_text(data.get("tags")),
            subscriber_name=meta.subscriber_name,
            sending_domain=_json_domain(data, headers, meta),
        )
    ]


def _json_domain(data: dict[str, Any], headers: object, meta: Metadata) -> str | None:
    """`domain.name` (Mailgun's sending domain), `envelope.sender`, the From header, and
    last a user-variable named by `keys.sending_domain`."""
    return first_domain(
        dict_or_empty(data.get("domain")).get("name"),
        dict_or_empty(data.get("envelope")).get("sender"),
        headers.get("from") if isinstance(headers, dict) else None,
        meta.sending_domain,
    )


# -- legacy form webhooks --------------------------------------------------------


def _multipart_fields(body: bytes, content_type: str) -> list[tuple[str, str]]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    msg = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not msg.is_multipart():
        raise ParseError("mailgun: multipart/form-data body without parts")
    fields: list[tuple[str, str]] = []
    for part in msg.walk():
        if part is msg or part.is_multipart() or part.get_filename():
            continue  # attachments are not event fields
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        charset = part.get_content_charset() or "utf-8"
        try:
            fields.append((name, payload.decode(charset)))
        except (LookupError, UnicodeDecodeError):
            raise ParseError(f"mailgun: form field {name!r} is not {charset}") from None
    return fields


def _legacy(
    pairs: list[tuple[str, str]], raw: RawEvent, keys: MetadataKeys
) -> list[CanonicalEvent]:
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    for k, v in pairs:
        first.setdefault(k, v)
        last[k] = v
    name = (first.get("event") or "").strip().lower()
    if not name:
        raise ParseError("mailgun: form webhook without an event field")
    reason = (first.get("reason") or "").strip().lower()
    c = classify(
        Source.MAILGUN,
        name,
        reason,
        code=first.get("code"),
        diagnostic=first.get("error") or first.get("description") or first.get("notification"),
        subtype=reason or None,
    )
    if c.kind is EventKind.IGNORED:
        return []
    email = address_of(first.get("recipient"), f"mailgun: legacy {name} event")
    token = text(last.get("token")) or f"sha256:{sha256_hex(raw.body)}"
    when = last.get("timestamp")
    tags = first.get("tag") or first.get("X-Mailgun-Tag")
    meta = metadata_of(first, keys)
    return [
        event(
            source=Source.MAILGUN,
            dedup_key=f"mailgun:legacy:{token}:{name}:{email}",
            email=email,
            occurred_at=raw.received_at if not when else from_epoch(when, "mailgun: timestamp"),
            c=c,
            provider_message_id=_legacy_message_id(first),
            campaign_name=meta.campaign or text(tags),
            subscriber_name=meta.subscriber_name,
            # `domain` is Mailgun's own field, and also the default metadata key
            sending_domain=first_domain(
                first.get("domain"),
                _legacy_header(first, "from"),
                meta.sending_domain,
            ),
        )
    ]


def _legacy_message_id(fields: dict[str, str]) -> str | None:
    direct = fields.get("Message-Id") or fields.get("message-id")
    if direct:
        return strip_angle(direct)
    return strip_angle(_legacy_header(fields, "message-id"))


def _legacy_header(fields: dict[str, str], name: str) -> str | None:
    """Header `name` from the legacy `message-headers` field (a JSON list of pairs)."""
    headers = fields.get("message-headers")
    if not headers:
        return None
    try:
        pairs = orjson.loads(headers)
    except orjson.JSONDecodeError:
        return None  # only a nicety: the event stands without it
    if isinstance(pairs, list):
        for pair in pairs:
            if isinstance(pair, list) and len(pair) == 2 and str(pair[0]).lower() == name:
                return text(pair[1])
    return None
