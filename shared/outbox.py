"""The outbox: which event types anyone listens to, and how to wake the notifier.

An outbox row is written only for an event type some enabled endpoint subscribes to
(`subscribed_types`, read in the writer's transaction): the relay would fan a row no
endpoint wants out to nobody, and at volume (an `email.bounced` per bounce) such rows
were 40 % of the database's work per event. An endpoint therefore receives the
events applied after it exists and is enabled -- as the relay, which fans out to the
endpoints enabled when it runs, already did.

The wake-up: the one channel the notifier listens on, and how to ring it.

Whoever makes outbox rows or deliveries due (the ledger's transaction, an API
retry, replay or re-enable) calls `wake_notifier` inside its transaction;
Postgres delivers the notification at commit, so the notifier looks for due
work at once instead of at its next poll (BOUNCEFLOW_NOTIFIER_POLL_INTERVAL).
"""

from __future__ import annotations

from typing import Final

from shared.db import Conn

OUTBOX_CHANNEL: Final = "bounceflow_outbox"

_SUBSCRIBED = """
SELECT DISTINCT t FROM webhook_endpoints e, unnest(e.events) t WHERE e.enabled
"""


async def subscribed_types(conn: Conn) -> frozenset[str]:
    """The event types at least one enabled endpoint subscribes to."""
    return frozenset(row[0] for row in await conn.fetch(_SUBSCRIBED))


async def wake_notifier(conn: Conn) -> None:
    """Notify the outbox channel (delivered when the current transaction commits)."""
    await conn.execute("SELECT pg_notify($1, '')", OUTBOX_CHANNEL)
