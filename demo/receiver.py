"""A local webhook receiver that records what it gets and verifies Standard Webhooks signatures."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)

    def verify(self, secret: str) -> Any:
        """The payload if the signature verifies with `secret` (standardwebhooks package)."""
        from standardwebhooks.webhooks import Webhook

        return Webhook(secret).verify(self.body, self.headers)


@dataclass
class Receiver:
    """Records every POST; `fail_first` answers 500 to the first N requests."""

    fail_first: int = 0
    received: list[Received] = field(default_factory=list)
    attempts: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None
    url: str = ""

    async def _handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        body = await request.read()
        if self.attempts <= self.fail_first:
            return web.Response(status=500, text="not yet")
        self.received.append(Received(dict(request.headers), body))
        self.arrived.set()
        return web.Response(status=204)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.url = f"http://{host}:{sockets[0].getsockname()[1]}/hooks"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def of_type(self, event_type: str) -> list[Received]:
        return [r for r in self.received if r.json.get("event") == event_type]
