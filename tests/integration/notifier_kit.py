"""Helpers of the notifier tests: local receivers, endpoints and outbox rows, waits."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import orjson
from aiohttp import web

from services.notifier.signing import generate_secret
from shared.notifications import message_id
from shared.outbox import wake_notifier

Respond = Callable[[int], web.Response]


def always(status: int) -> Respond:
    return lambda _n: web.Response(status=status, text=f"status {status}")


def fail_first(n_failures: int, status: int = 500) -> Respond:
    def respond(n: int) -> web.Response:
        if n <= n_failures:
            return web.Response(status=status, text="not yet")
        return web.Response(status=204)

    return respond


@dataclass
class Hit:
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)  # wall clock, comparable with the database's

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class Receiver:
    """A local webhook endpoint. `respond(n)` answers the n-th request (1-based);
    while `gate` is clear, requests wait for it (a slow endpoint); `delay` seconds
    is how long it takes to answer (a realistic one)."""

    respond: Respond = field(default_factory=lambda: always(204))
    delay: float = 0.0
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    hits: list[Hit] = field(default_factory=list)
    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    url: str = ""
    _runner: web.AppRunner | None = None

    def __post_init__(self) -> None:
        self.gate.set()

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        n = self.requests
        body = await request.read()
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await self.gate.wait()
            if self.delay:
                await asyncio.sleep(self.delay)  # the endpoint's own latency
        finally:
            self.in_flight -= 1
        self.hits.append(Hit(dict(request.headers), body))
        return self.respond(n)

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        # handler_cancellation: a request the notifier gave up on (timeout) stops counting
        # as in flight here too
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=1, handler_cancellation=True
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/hook"

    async def stop(self) -> None:
        self.gate.set()  # let held requests finish, or cleanup would wait for them
        if self._runner is not None:
            await self._runner.cleanup()


StartReceiver = Callable[..., Awaitable[Receiver]]


@dataclass
class Running:
    stop: asyncio.Event
    task: asyncio.Task[None]

    async def shutdown(self, timeout: float = 12.0) -> float:
        """Stop as SIGTERM would; returns the seconds the shutdown took."""
        started = time.monotonic()
        self.stop.set()
        await asyncio.wait_for(self.task, timeout)
        return time.monotonic() - started


StartNotifier = Callable[..., Running]


async def add_endpoint(
    db: asyncpg.Pool,
    url: str,
    events: list[str],
    *,
    enabled: bool = True,
    previous_secret: str | None = None,
    previous_expires: datetime | None = None,
) -> tuple[int, str]:
    secret = generate_secret()
    endpoint_id = await db.fetchval(
        "INSERT INTO webhook_endpoints (url, events, secret, enabled, previous_secret,"
        " previous_secret_expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        url,
        events,
        secret,
        enabled,
        previous_secret,
        previous_expires,
    )
    return endpoint_id, secret


async def add_outbox(db: asyncpg.Pool, event_type: str, **payload: Any) -> str:
    """An outbox row as the ledger writes it (with the NOTIFY); returns its webhook-id."""
    msg_id = message_id(event_type, uuid.uuid4().hex)
    async with db.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO outbox (message_id, event_type, payload, trace_id) VALUES ($1, $2, $3, $4)",
            msg_id,
            event_type,
            {"event": event_type, **payload},
            "evt_" + uuid.uuid4().hex[:12],
        )
        await wake_notifier(conn)
    return msg_id


async def one(db: asyncpg.Pool, sql: str, *args: Any) -> asyncpg.Record:
    row = await db.fetchrow(sql, *args)
    assert row is not None, sql
    return row


async def statuses(db: asyncpg.Pool) -> list[str]:
    return [r["status"] for r in await db.fetch("SELECT status FROM webhook_deliveries")]


def all_in(db: asyncpg.Pool, status: str, count: int) -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        found = await statuses(db)
        return len(found) == count and all(s == status for s in found)

    return probe


# -- delivery, signing, routing ------------------------------------------------------------
