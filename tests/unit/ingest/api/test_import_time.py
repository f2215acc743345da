"""Imports obey the event-time rule too (CONTRACT §3): a row dated in the future is
clamped to the import time, the reported date kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.ingest.api.suppressions.importer import to_record
from shared.importers import ImportRow
from shared.policy import HistoryKind

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def row(when: datetime) -> ImportRow:
    return ImportRow(line=2, email="a@example.com", kind=HistoryKind.HARD, occurred_at=when)


def test_a_future_row_is_clamped_to_the_import_time() -> None:
    future = datetime(2045, 1, 1, tzinfo=UTC)
    record = to_record(row(future), "mailgun", "imp_1", received_at=NOW)
    assert record.occurred_at == NOW
    assert record.reported_at == future


def test_a_past_row_keeps_its_date() -> None:
    past = NOW - timedelta(days=30)
    record = to_record(row(past), "mailgun", "imp_1", received_at=NOW)
    assert record.occurred_at == past
    assert record.reported_at is None
