"""Running `bounceflow` as a subprocess against this run's database and broker namespace,
and the webhook rows the ops commands read."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from demo.processes import service_env
from shared.settings import Settings


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


def cli_env(settings: Settings, **overrides: str) -> dict[str, str]:
    return service_env(
        {
            "BOUNCEFLOW_DATABASE_URL": settings.database_url,
            "BOUNCEFLOW_AMQP_URL": settings.amqp_url,
            "BOUNCEFLOW_AMQP_PREFIX": settings.amqp_prefix,
            "BOUNCEFLOW_LOG_FORMAT": "json",
            "COLUMNS": "200",
            **overrides,
        }
    )


async def bounceflow(env: dict[str, str], *args: str) -> Ran:
    """`bounceflow ARGS` to completion (on a worker thread: the test's loop keeps going)."""
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.cli", *args],
        env=env,
        capture_output=True,
        check=False,
        timeout=60,
    )
    return Ran(done.returncode, done.stdout.decode(), done.stderr.decode())


async def endpoint(db: asyncpg.Pool, *, enabled: bool = True, reason: str | None = None) -> int:
    found: int = await db.fetchval(
        "INSERT INTO webhook_endpoints (url, events, secret, enabled, disabled_reason) "
        "VALUES ('https://hooks.example.com/in', ARRAY['email.bounced'], 'whsec_test', $1, $2) "
        "RETURNING id",
        enabled,
        reason,
    )
    return found


async def delivery(
    db: asyncpg.Pool, endpoint_id: int, status: str, created_at: datetime, attempts: int = 3
) -> int:
    """One delivery of a fresh outbox message to the endpoint."""
    message_id = "msg_" + uuid.uuid4().hex
    outbox_id = await db.fetchval(
        "INSERT INTO outbox (message_id, event_type, payload, relayed_at) "
        "VALUES ($1, 'email.bounced', '{}', now()) RETURNING id",
        message_id,
    )
    found: int = await db.fetchval(
        "INSERT INTO webhook_deliveries (outbox_id, endpoint_id, message_id, event_type, status,"
        " attempts, created_at, completed_at, next_attempt_at)"
        " VALUES ($1, $2, $3, 'email.bounced', $4::text, $5, $6::timestamptz,"
        " CASE WHEN $4::text = 'pending' THEN NULL ELSE $6::timestamptz END, now() + interval '1 hour')"
        " RETURNING id",
        outbox_id,
        endpoint_id,
        message_id,
        status,
        attempts,
        created_at,
    )
    return found
