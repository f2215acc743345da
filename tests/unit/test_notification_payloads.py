"""The outgoing payloads, built as plain dicts for speed, are exactly what the models give."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.events_out import EmailBounced, EmailComplained, SubscriberStatusChanged
from shared.ledger import EventRecord
from shared.notifications import bounced_payload, complained_payload, status_changed_payload
from shared.policy import HistoryKind

AT = datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=UTC)


def _record(kind: HistoryKind, **extra: str | None) -> EventRecord:
    return EventRecord(
        dedup_key="k1",
        email="jane@example.com",
        kind=kind,
        source="ses",
        occurred_at=AT,
        **extra,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("kind", [HistoryKind.HARD, HistoryKind.SOFT])
@pytest.mark.parametrize("optional", [None, "x"])
def test_bounced_payload_is_the_model(kind: HistoryKind, optional: str | None) -> None:
    record = _record(
        kind, provider_message_id=optional, smtp_code=optional, diagnostic_code=optional
    )
    got = bounced_payload(record, "bounced")
    model = EmailBounced.model_validate(got).model_dump(mode="json")
    assert got == model
    assert list(got) == list(model)


@pytest.mark.parametrize("optional", [None, "abuse"])
def test_complained_payload_is_the_model(optional: str | None) -> None:
    got = complained_payload(_record(HistoryKind.COMPLAINT, bounce_subtype=optional), "active")
    model = EmailComplained.model_validate(got).model_dump(mode="json")
    assert got == model
    assert list(got) == list(model)


def test_status_changed_payload_is_the_model() -> None:
    got = status_changed_payload("jane@example.com", "active", "bounced", "hard", AT)
    model = SubscriberStatusChanged.model_validate(got).model_dump(mode="json")
    assert got == model
    assert list(got) == list(model)
    assert got["timestamp"] == "2026-03-01T12:30:05Z"
