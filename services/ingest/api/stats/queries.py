"""The SQL of the stats route: event counts by source and kind over a window."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from services.ingest.api.stats.levels import Counts
from shared.db import Conn

# deliveries live in their own table (shared/migrations/0005), never imported
_COUNTS = """
SELECT source, kind, count(*) AS n FROM events
WHERE occurred_at >= $1 AND occurred_at < $2
  AND ($3::text IS NULL OR sending_domain = $3)
  AND kind IN ('hard', 'soft', 'complaint')
  AND dedup_key NOT LIKE 'import:%'
GROUP BY source, kind
UNION ALL
SELECT source, 'delivery', count(*) FROM deliveries
WHERE occurred_at >= $1 AND occurred_at < $2
  AND ($3::text IS NULL OR sending_domain = $3)
GROUP BY source
"""


async def counts_by_source(
    conn: Conn, since: datetime, until: datetime, domain: str | None = None
) -> dict[str, Counts]:
    """Delivered, hard, soft and complaints per source in [since, until), by source name;
    only those sent from `domain` when given."""
    rows = await conn.fetch(_COUNTS, since, until, domain)
    by_source: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        by_source[row["source"]][row["kind"]] = int(row["n"])
    return {
        source: Counts(
            delivered=k.get("delivery", 0),
            hard=k.get("hard", 0),
            soft=k.get("soft", 0),
            complaints=k.get("complaint", 0),
        )
        for source, k in sorted(by_source.items())
    }
