"""What `bounceflow status` shows, gathered part by part: the broker's queues, the
outgoing-webhook deliveries and endpoints, the last prune.

Each part answers on its own: an unreachable broker or database gives that part an
`error` (one line) and the others still answer. Every value is plain JSON.

Over AMQP the broker tells a queue's *ready* messages and its consumers, not its
unacknowledged ones (that needs the management API, which bounceflow does not
require): `lag` is ready messages per consumer. The age of the oldest dead letter
comes from its `received-at` header (a look that puts it back at once; the
dead-letter queue has no delivery limit). The raw queue is never looked into that way:
its delivery limit counts every look.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import aio_pika
import asyncpg
from aio_pika.abc import AbstractConnection
from aio_pika.exceptions import AMQPError, ChannelClosed

from shared.broker import Topology
from shared.db_errors import is_unavailable
from shared.retention import last_prune

TIMEOUT = 5.0  # seconds to reach each of the broker and the database
Json = dict[str, Any]

_DELIVERIES = """
SELECT count(*) FILTER (WHERE status = 'pending') AS pending,
       count(*) FILTER (WHERE status = 'pending' AND attempts > schedule_start) AS failing,
       count(*) FILTER (WHERE status = 'pending' AND locked_until > now()) AS in_flight,
       count(*) FILTER (WHERE status = 'failed') AS failed,
       min(created_at) FILTER (WHERE status = 'pending') AS oldest_pending
FROM webhook_deliveries WHERE status IN ('pending', 'failed')
"""
_UNRELAYED = "SELECT count(*) FROM outbox WHERE relayed_at IS NULL"
_ENDPOINTS = """
SELECT id, url, enabled, disabled_reason, failing_since FROM webhook_endpoints
WHERE NOT enabled OR failing_since IS NOT NULL ORDER BY id
"""


def _age(then: datetime | None, now: datetime) -> float | None:
    return None if then is None else round((now - then).total_seconds(), 1)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


async def _queue(connection: AbstractConnection, name: str) -> Json:
    channel = await connection.channel()
    try:
        queue = await channel.declare_queue(name, passive=True)
    except ChannelClosed:
        return {"name": name, "error": "not declared yet (no service has started)"}
    result = queue.declaration_result
    ready, consumers = result.message_count or 0, result.consumer_count or 0
    await channel.close()
    return {
        "name": name,
        "ready": ready,
        "unacked": None,
        "consumers": consumers,
        "lag": ready / consumers if consumers else (None if ready else 0.0),
    }


async def _oldest_dead_letter(connection: AbstractConnection, name: str) -> float | None:
    """Seconds since the oldest dead letter was received; None when empty or unknown."""
    channel = await connection.channel()
    try:
        queue = await channel.get_queue(name, ensure=True)
        message = await queue.get(no_ack=False, fail=False)
        received = (message.headers or {}).get("received-at") if message else None
    finally:
        await channel.close()  # the message goes back to the queue
    if not isinstance(received, str | bytes):
        return None
    text = received.decode() if isinstance(received, bytes) else received
    try:
        return _age(datetime.fromisoformat(text), datetime.now(UTC))
    except ValueError:
        return None


async def broker_status(url: str, topo: Topology) -> Json:
    """The raw queue and the dead-letter queue; `error` when the broker is unreachable."""
    try:
        connection = await asyncio.wait_for(aio_pika.connect(url, timeout=TIMEOUT), TIMEOUT)
    except (OSError, AMQPError, TimeoutError) as exc:
        return {"error": f"broker unreachable: {_one_line(exc)}"}
    try:
        async with connection:
            raw = await _queue(connection, topo.raw_queue)
            dead = await _queue(connection, topo.dead_queue)
            if dead.get("ready"):
                dead["oldest_age_seconds"] = await _oldest_dead_letter(connection, topo.dead_queue)
            return {"raw": raw, "dead": dead}
    except (OSError, AMQPError, TimeoutError) as exc:
        return {"error": f"broker: {_one_line(exc)}"}


async def _database_parts(conn: asyncpg.Connection) -> Json:
    now = datetime.now(UTC)
    row = await conn.fetchrow(_DELIVERIES)
    assert row is not None
    endpoints = await conn.fetch(_ENDPOINTS)
    pruned = await last_prune(conn)
    return {
        "deliveries": {
            "pending": row["pending"],
            "failing": row["failing"],
            "in_flight": row["in_flight"],
            "failed": row["failed"],
            "oldest_pending_age_seconds": _age(row["oldest_pending"], now),
            "outbox_unrelayed": await conn.fetchval(_UNRELAYED),
        },
        "disabled_endpoints": [
            {"id": e["id"], "url": e["url"], "reason": e["disabled_reason"] or "-"}
            for e in endpoints
            if not e["enabled"]
        ],
        "failing_endpoints": [
            {"id": e["id"], "url": e["url"], "failing_since": e["failing_since"].isoformat()}
            for e in endpoints
            if e["enabled"]
        ],
        "last_prune": None
        if pruned is None
        else {"at": pruned[0].isoformat(), "removed": pruned[1]},
    }


async def database_status(url: str) -> Json:
    """Webhook deliveries, disabled and failing endpoints, the last prune; `error` when the
    database is unreachable."""
    try:
        conn = await asyncpg.connect(url, timeout=TIMEOUT)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return {"error": f"database unreachable: {_one_line(exc)}"}
    try:
        return await _database_parts(conn)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        if is_unavailable(exc):
            return {"error": f"database unavailable: {_one_line(exc)}"}
        return {"error": f"database: {_one_line(exc)}"}
    finally:
        await conn.close()


async def gather_status(database_url: str, amqp_url: str, topo: Topology) -> Json:
    """Both parts, at once."""
    broker, database = await asyncio.gather(
        broker_status(amqp_url, topo), database_status(database_url)
    )
    return {"broker": broker, "database": database}
