"""The one-event JSON envelope several providers post: `{<type key>: name, <data key>: {}}`
(Resend `type`/`data`, MailerSend `type`/`data`, Postal `event`/`payload`)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from services.processor.parsers._common import ParseError, loads, text
from shared.classification import Verdict, lookup
from shared.models import Source
from shared.raw import RawEvent


@dataclass(frozen=True, slots=True)
class Envelope:
    """An event worth reading: its name as sent, lower-cased category, and data object."""

    name: str
    category: str
    data: dict[str, Any]
    doc: dict[str, Any]  # the whole body (ids and times some providers keep at the top)


def read_envelope(
    raw: RawEvent,
    source: Source,
    *,
    type_key: str = "type",
    data_key: str = "data",
    always_read: Collection[str] = (),
) -> Envelope | None:
    """The envelope of `raw`, or None when its event type is one the table ignores
    (unless listed in `always_read`: ignored by default, but a qualifier may count)."""
    what = source.value
    doc = loads(raw.body, f"{what}: body")
    if not isinstance(doc, dict):
        raise ParseError(f"{what}: body is not a JSON object")
    name = text(doc.get(type_key))
    if name is None:
        raise ParseError(f"{what}: event without a {type_key}")
    category = name.lower()
    if lookup(source, category).verdict is Verdict.IGNORED and category not in always_read:
        return None
    data = doc.get(data_key)
    if not isinstance(data, dict):
        raise ParseError(f"{what}: {name} event without a {data_key} object")
    return Envelope(name, category, data, doc)
