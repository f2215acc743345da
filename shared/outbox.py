"""The outbox wake-up: the one channel the notifier listens on, and how to ring it.

Whoever makes outbox rows or deliveries due (the ledger's transaction, an API
retry, replay or re-enable) calls `wake_notifier` inside its transaction;
Postgres delivers the notification at commit, so the notifier looks for due
work at once instead of at its next poll (BOUNCEFLOW_NOTIFIER_POLL_INTERVAL).
"""

from __future__ import annotations

from typing import Final

from shared.db import Conn

OUTBOX_CHANNEL: Final = "bounceflow_outbox"


async def wake_notifier(conn: Conn) -> None:
    """Notify the outbox channel (delivered when the current transaction commits)."""
    await conn.execute("SELECT pg_notify($1, '')", OUTBOX_CHANNEL)
