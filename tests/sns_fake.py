"""A local stand-in for SNS: serves the signing certificate and records confirmations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.sns_signer import SnsSigner


@dataclass
class FakeSns:
    signer: SnsSigner = field(default_factory=SnsSigner)
    cert_fetches: int = 0
    confirmations: list[str] = field(default_factory=list)
    base: str = ""

    def app(self) -> web.Application:
        app = web.Application()

        async def cert(_: web.Request) -> web.Response:
            self.cert_fetches += 1
            return web.Response(body=self.signer.cert_pem)

        async def confirm(request: web.Request) -> web.Response:
            self.confirmations.append(request.query.get("Token", ""))
            return web.Response(text="<ConfirmSubscriptionResponse/>")

        app.router.add_get("/cert.pem", cert)
        app.router.add_get("/confirm", confirm)
        return app


@pytest.fixture
async def sns() -> AsyncIterator[FakeSns]:
    fake = FakeSns()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.base = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()
