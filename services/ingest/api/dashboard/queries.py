"""The SQL of the dashboard's data routes, as named async functions taking a connection.

Events are counted exactly as GET /api/v1/stats counts them: by event time in
[since, until), the four outcome kinds, imported suppression lists left out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import asyncpg

from services.ingest.stats import Counts
from shared.db import Conn

_COUNTED = """
occurred_at >= $1 AND occurred_at < $2
  AND kind IN ('delivery', 'hard', 'soft', 'complaint')
  AND dedup_key NOT LIKE 'import:%'
"""

_SERIES = f"""
SELECT date_trunc($3, occurred_at, 'UTC') AS start, kind, count(*) AS n FROM events
WHERE {_COUNTED}
GROUP BY 1, 2
"""  # noqa: S608 - constants only

# Group keys by `by`: constants only, so a key is never text from a request.
GROUP_KEYS = {
    "kind": "kind",
    "source": "source",
    "campaign": "campaign_name",
    "recipient_domain": "NULLIF(split_part(email, '@', 2), '')",
    "domain": "sending_domain",
}

_HAS_COLUMN = """
SELECT EXISTS (
    SELECT 1 FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = 'events' AND column_name = $1
)
"""

_ENDPOINTS = """
SELECT e.id, e.url, e.enabled, e.failing_since, e.disabled_reason,
    (SELECT count(*) FROM webhook_deliveries d
     WHERE d.endpoint_id = e.id AND d.status = 'pending') AS pending,
    (SELECT count(*) FROM webhook_deliveries d
     WHERE d.endpoint_id = e.id AND d.status = 'pending'
       AND d.attempts > d.schedule_start) AS pending_retries,
    (SELECT count(*) FROM webhook_deliveries d
     WHERE d.endpoint_id = e.id AND d.status = 'failed'
       AND d.completed_at >= $1 AND d.completed_at < $2) AS failed
FROM webhook_endpoints e
ORDER BY e.id
"""


def _add(counts: Counts, kind: str, n: int) -> Counts:
    return counts + {
        "delivery": Counts(delivered=n),
        "hard": Counts(hard=n),
        "soft": Counts(soft=n),
        "complaint": Counts(complaints=n),
    }.get(kind, Counts())


async def series(
    conn: Conn, since: datetime, until: datetime, bucket: str
) -> dict[datetime, Counts]:
    """Counts per UTC bucket (`day` or `hour`) that has any event; empty buckets are absent."""
    out: dict[datetime, Counts] = defaultdict(Counts)
    for row in await conn.fetch(_SERIES, since, until, bucket):
        out[row["start"]] = _add(out[row["start"]], row["kind"], int(row["n"]))
    return dict(out)


async def has_event_column(conn: Conn, column: str) -> bool:
    """Whether the events table has `column` (the sending domain is not recorded yet)."""
    return bool(await conn.fetchval(_HAS_COLUMN, column))


async def breakdown(
    conn: Conn, since: datetime, until: datetime, by: str
) -> dict[str | None, Counts]:
    """Counts per value of the `by` group key (one of GROUP_KEYS)."""
    sql = (
        f"SELECT {GROUP_KEYS[by]} AS key, kind, count(*) AS n FROM events "  # noqa: S608
        f"WHERE {_COUNTED} GROUP BY 1, 2"
    )
    out: dict[str | None, Counts] = defaultdict(Counts)
    for row in await conn.fetch(sql, since, until):
        out[row["key"]] = _add(out[row["key"]], row["kind"], int(row["n"]))
    return dict(out)


@dataclass(frozen=True, slots=True)
class EndpointRow:
    id: int
    origin: str
    enabled: bool
    failing_since: datetime | None
    disabled_reason: str | None
    pending: int
    pending_retries: int
    failed: int


def origin(url: str) -> str:
    """scheme://host[:port] of `url`: never its user info, path or query."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def _endpoint(row: asyncpg.Record) -> EndpointRow:
    return EndpointRow(
        id=row["id"],
        origin=origin(row["url"]),
        enabled=row["enabled"],
        failing_since=row["failing_since"],
        disabled_reason=row["disabled_reason"],
        pending=int(row["pending"]),
        pending_retries=int(row["pending_retries"]),
        failed=int(row["failed"]),
    )


async def endpoint_health(conn: Conn, since: datetime, until: datetime) -> list[EndpointRow]:
    """Every outgoing endpoint with its pending work and its dead letters in the window."""
    return [_endpoint(row) for row in await conn.fetch(_ENDPOINTS, since, until)]
