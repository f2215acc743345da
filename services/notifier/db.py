"""The notifier's own SQL: the figures behind the metrics gauges. (The delivery state
machine's SQL is shared.webhook_deliveries.)"""

from __future__ import annotations

from dataclasses import dataclass

from shared.db import Conn

_GAUGES = """
SELECT
    (SELECT count(*) FROM webhook_deliveries
     WHERE status = 'pending' AND next_attempt_at <= now()) AS due,
    (SELECT count(*) FROM webhook_deliveries
     WHERE status = 'pending' AND attempts > schedule_start) AS retries,
    (SELECT count(*) FROM webhook_endpoints WHERE NOT enabled) AS disabled
"""


@dataclass(frozen=True, slots=True)
class Gauges:
    due: int  # pending deliveries due now (the queue depth)
    retries: int  # pending deliveries waiting for a retry
    disabled: int  # disabled endpoints


async def gauges(conn: Conn) -> Gauges:
    """The delivery queue as the metrics gauges show it."""
    row = await conn.fetchrow(_GAUGES)
    assert row is not None
    return Gauges(due=row["due"], retries=row["retries"], disabled=row["disabled"])
