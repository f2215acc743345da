"""Where the notifier will connect, against real local receivers: private destinations
refused at delivery time (literals and names, whatever was true at registration), the
connection made to exactly the address that was checked, and redirects not followed
(issue 4, "Done when" 6; registration is in test_endpoints_api)."""

from __future__ import annotations

import socket

import asyncpg
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from shared.settings import Settings
from tests.helpers import wait_for
from tests.integration.notifier_kit import (
    StartNotifier,
    StartReceiver,
    add_endpoint,
    add_outbox,
    all_in,
)


class StubDNS(AbstractResolver):
    """Answers names in `table` itself (as a rebinding DNS server would); others go to
    the system resolver."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []
        self._system = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        if host not in self.table:
            return await self._system.resolve(host, port, family)
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for address in self.table[host]
        ]

    async def close(self) -> None:
        await self._system.close()


REBINDING = {
    "loopback.example": ["127.0.0.1"],
    "v6-loopback.example": ["::1"],
    "internal.example": ["10.0.0.1"],
    "metadata.example": ["169.254.169.254"],
    "cgnat.example": ["100.64.0.1"],
    "mixed.example": ["93.184.216.34", "127.0.0.1"],
}


async def test_private_destinations_refused_at_delivery(
    db: asyncpg.Pool, fast: Settings, receiver_factory: StartReceiver, notifier: StartNotifier
) -> None:
    receiver = await receiver_factory()
    port = receiver.url.rsplit(":", 1)[1].split("/")[0]
    urls = [
        receiver.url,  # 127.0.0.1, a live receiver
        f"http://[::1]:{port}/hook",
        "http://10.0.0.1/hook",
        "http://10.255.255.254:8080/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        f"http://localhost:{port}/hook",  # the system's DNS: loopback
        *(f"http://{name}:{port}/hook" for name in REBINDING),  # DNS that changed its answer
    ]
    # registered when they were allowed (or resolved elsewhere): only delivery stands between
    for url in urls:
        await add_endpoint(db, url, ["email.bounced"])
    await add_outbox(db, "email.bounced", to="jane@example.com")
    dns = StubDNS(REBINDING)
    notifier(
        fast.model_copy(
            update={"allow_private_endpoints": False, "notifier_retry_schedule": "0.1"}
        ),
        dns,
    )
    await wait_for(all_in(db, "failed", len(urls)), what="every delivery refused twice")

    rows = await db.fetch(
        "SELECT e.url, a.error, a.status_code FROM webhook_attempts a"
        " JOIN webhook_deliveries d ON d.id = a.delivery_id"
        " JOIN webhook_endpoints e ON e.id = d.endpoint_id"
    )
    assert len(rows) == 2 * len(urls)
    for row in rows:
        assert row["status_code"] is None
        assert "not public" in row["error"] or "non-public" in row["error"], dict(row)
    assert receiver.requests == 0
    assert set(REBINDING) <= set(dns.asked)  # names were checked on the answers we would use


async def test_the_connection_goes_to_the_checked_address(
    db: asyncpg.Pool, fast: Settings, receiver_factory: StartReceiver, notifier: StartNotifier
) -> None:
    # allowed here, so the name's (stub) answer is used: the request reaches 127.0.0.1,
    # which no real DNS would give for this name. The address connected to is the one
    # the resolver returned, i.e. the one PublicOnlyResolver checks when not allowed.
    receiver = await receiver_factory()
    port = receiver.url.rsplit(":", 1)[1].split("/")[0]
    await add_endpoint(db, f"http://loopback.example:{port}/hook", ["email.bounced"])
    msg_id = await add_outbox(db, "email.bounced", to="jane@example.com")
    notifier(fast, StubDNS(REBINDING))
    await wait_for(all_in(db, "succeeded", 1), what="delivered via the stub's address")
    assert [h.headers["webhook-id"] for h in receiver.hits] == [msg_id]
    assert receiver.hits[0].headers["Host"] == f"loopback.example:{port}"


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_redirects_are_not_followed(
    db: asyncpg.Pool,
    fast: Settings,
    receiver_factory: StartReceiver,
    notifier: StartNotifier,
    status: int,
) -> None:
    target = await receiver_factory()
    redirecting = await receiver_factory(
        lambda _n: web.Response(status=status, headers={"Location": target.url})
    )
    await add_endpoint(db, redirecting.url, ["email.bounced"])
    await add_outbox(db, "email.bounced", to="jane@example.com")
    notifier(fast.model_copy(update={"notifier_retry_schedule": "0.1"}))
    await wait_for(all_in(db, "failed", 1), what="dead-lettered on redirects")
    codes = [r["status_code"] for r in await db.fetch("SELECT status_code FROM webhook_attempts")]
    assert codes == [status, status]
    assert target.requests == 0
    assert redirecting.requests == 2
