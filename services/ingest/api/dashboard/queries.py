"""The SQL of the dashboard's data routes, as named async functions taking a connection.

Events are counted exactly as GET /api/v1/stats counts them: by event time in
[since, until), the four outcome kinds (deliveries from their own table), imported
suppression lists left out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import asyncpg

from services.ingest.api.stats.levels import Counts
from shared.db import Conn

# Bounces and complaints live in `events`, deliveries in their own slim table (migration
# 0005), exactly as GET /api/v1/stats reads them.
_BOUNCES = """
occurred_at >= $1 AND occurred_at < $2
  AND kind IN ('hard', 'soft', 'complaint')
  AND dedup_key NOT LIKE 'import:%'
"""
_DELIVERIES = "occurred_at >= $1 AND occurred_at < $2"

_SERIES = f"""
SELECT date_trunc($3, occurred_at, 'UTC') AS start, kind, count(*) AS n FROM events
WHERE {_BOUNCES} GROUP BY 1, 2
UNION ALL
SELECT date_trunc($3, occurred_at, 'UTC'), 'delivery', count(*) FROM deliveries
WHERE {_DELIVERIES} GROUP BY 1
"""  # noqa: S608 - constants only


@dataclass(frozen=True, slots=True)
class GroupKey:
    """How `by` groups: an expression over events, and over deliveries when they record it
    (a column name that must exist there, or None: deliveries keep no campaign)."""

    events: str
    deliveries: str | None
    needs: str | None = None  # a column the events table must have


# Group keys by `by`: constants only, so a key is never text from a request.
_DOMAIN = "NULLIF(split_part(email, '@', 2), '')"
GROUP_KEYS = {
    "kind": GroupKey("kind", "'delivery'"),
    "source": GroupKey("source", "source"),
    "campaign": GroupKey("campaign_name", None),
    "recipient_domain": GroupKey(_DOMAIN, _DOMAIN),
    "domain": GroupKey("sending_domain", "sending_domain", needs="sending_domain"),
}

_HAS_COLUMN = """
SELECT EXISTS (
    SELECT 1 FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2
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


async def has_column(conn: Conn, table: str, column: str) -> bool:
    """Whether `table` has `column` (the sending domain is not recorded yet)."""
    return bool(await conn.fetchval(_HAS_COLUMN, table, column))


async def breakdown(
    conn: Conn, since: datetime, until: datetime, by: str
) -> tuple[dict[str | None, Counts], bool]:
    """Counts per value of the `by` group key (one of GROUP_KEYS), and whether deliveries
    were counted: they are not when the deliveries table does not record the key."""
    key = GROUP_KEYS[by]
    sql = f"SELECT {key.events} AS key, kind, count(*) AS n FROM events "  # noqa: S608
    sql += f"WHERE {_BOUNCES} GROUP BY 1, 2"
    counted = key.deliveries is not None
    if key.deliveries is not None and key.needs is not None:
        counted = await has_column(conn, "deliveries", key.needs)
    if counted:
        sql += f" UNION ALL SELECT {key.deliveries} AS key, 'delivery', count(*) "
        sql += f"FROM deliveries WHERE {_DELIVERIES} GROUP BY 1"
    out: dict[str | None, Counts] = defaultdict(Counts)
    for row in await conn.fetch(sql, since, until):
        out[row["key"]] = _add(out[row["key"]], row["kind"], int(row["n"]))
    return dict(out), counted


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
