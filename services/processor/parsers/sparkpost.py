"""SparkPost webhooks: a JSON array of `{"msys": {"<kind>_event": {...}}}`.

`[{"msys": {}}]` is the batch sent when a webhook is validated: nothing in it. The
docs call `event_id` unique, but SparkPost's own sample batch reuses one id for every
event, so the dedup key is the event id scoped by event type and recipient. `rcpt_to`
is the lower-cased recipient; `raw_reason` the full SMTP text; `bounce_class` the
classification (table in shared/classification_rules.py). `timestamp` is epoch
seconds as a string or number, or ISO 8601.
"""

from __future__ import annotations

import re
from typing import Any, Final

from services.processor.parsers._batch import content_key, dict_or_empty, json_events, when
from services.processor.parsers._common import (
    DEFAULT_KEYS,
    MetadataKeys,
    ParseError,
    address_of,
    event,
    first_domain,
    metadata_of,
    text,
)
from shared.classification import Verdict, classify, lookup
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import RawEvent

# "554 5.7.1 recipient address suppressed due to customer policy"
_SUPPRESSED: Final = re.compile(r"\bsuppress", re.IGNORECASE)
_AS_BOUNCE: Final = frozenset({"bounce", "out_of_band"})
_REJECTION: Final = frozenset({"policy_rejection", "generation_rejection"})


def parse(raw: RawEvent, keys: MetadataKeys = DEFAULT_KEYS) -> list[CanonicalEvent]:
    """Canonical events of one SparkPost batch, in batch order."""
    out: list[CanonicalEvent] = []
    for i, wrapper in enumerate(json_events(raw.body, "sparkpost")):
        msys = wrapper.get("msys")
        if not isinstance(msys, dict):
            raise ParseError(f"sparkpost: batch element #{i} has no msys object")
        for kind, data in msys.items():
            if not isinstance(data, dict):
                raise ParseError(f"sparkpost: msys.{kind} of element #{i} is not an object")
            parsed = _event(data, i, raw, keys)
            if parsed is not None:
                out.append(parsed)
    return out


def _category_and_qualifier(data: dict[str, Any]) -> tuple[str, str]:
    kind = (text(data.get("type")) or "").lower()
    if kind in _AS_BOUNCE:
        return "bounce", text(data.get("bounce_class")) or ""
    if kind in _REJECTION:
        reason = text(data.get("raw_reason")) or text(data.get("reason")) or ""
        return kind, "suppressed" if _SUPPRESSED.search(reason) else "other"
    if kind == "spam_complaint":
        return kind, (text(data.get("fbtype")) or "").lower()
    return kind, ""


def _event(
    data: dict[str, Any], i: int, raw: RawEvent, keys: MetadataKeys
) -> CanonicalEvent | None:
    category, qualifier = _category_and_qualifier(data)
    if lookup(Source.SPARKPOST, category, qualifier).verdict is Verdict.IGNORED:
        return None  # opens, clicks, injections... skipped before any checking
    kind = (text(data.get("type")) or "").lower()
    what = f"sparkpost: {kind} event of element #{i}"
    c = classify(
        Source.SPARKPOST,
        category,
        qualifier,
        code=text(data.get("error_code")),
        diagnostic=text(data.get("raw_reason")) or text(data.get("reason")),
        subtype=f"{kind} class {qualifier}" if category == "bounce" and qualifier else kind,
    )
    if c.kind is EventKind.IGNORED:
        return None
    email = address_of(data.get("rcpt_to") or data.get("raw_rcpt_to"), what)
    event_id = text(data.get("event_id"))
    key = f"sparkpost:{event_id}:{kind}:{email}" if event_id else content_key("sparkpost", data)
    stamp = data.get("timestamp")
    metadata = dict_or_empty(data.get("rcpt_meta"))
    meta = metadata_of(metadata, keys)
    return event(
        source=Source.SPARKPOST,
        dedup_key=key,
        email=email,
        occurred_at=raw.received_at if stamp is None else when(stamp, what),
        c=c,
        provider_message_id=text(data.get("message_id")) or text(data.get("transmission_id")),
        campaign_name=meta.campaign or text(data.get("campaign_id")),
        subscriber_name=meta.subscriber_name,
        # friendly_from is the From header; msg_from the envelope sender, often SparkPost's
        # own bounce domain, so only a fallback
        sending_domain=first_domain(
            data.get("sending_domain"),
            data.get("friendly_from"),
            data.get("msg_from"),
            meta.sending_domain,
        ),
    )
