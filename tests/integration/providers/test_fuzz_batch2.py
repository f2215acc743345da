"""Issue 10 item 4 (ingest side): per batch 2 route, 5,000 generated bodies against the
real ingest app and broker -> only 200/400/401/413, never a 5xx.

Bodies are real fixtures damaged in a few places, or junk (tests/fuzz_bodies_more.py,
tests/fuzz_bodies_batch2.py). Each is sent unauthenticated (1 in 8), with basic auth,
or authenticated the provider's own way over the damaged bytes (webhook_kit's signers),
so most get past authenticity to the well-formedness checks, and the signature checks
themselves see damaged bodies and headers. One app per route, no per-example setup.
"""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import given
from hypothesis import strategies as st

from shared.settings import Settings
from tests.fuzz_bodies_batch2 import BODIES
from tests.fuzz_bodies_more import BODIES_MORE
from tests.ingest_client import started
from tests.integration.providers.test_fuzz import ALLOWED, EXAMPLES, FUZZ, MAX_BODY
from tests.integration.providers.webhook_kit import AUTHS, BASIC_CREDS

STRATEGIES = {**BODIES_MORE, **BODIES}
BASIC = {"Authorization": "Basic " + base64.b64encode(BASIC_CREDS.encode()).decode()}


@dataclass
class Fuzz:
    client: TestClient
    route: str
    statuses: dict[int, int] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    async def post(self, body: bytes, content_type: str, mode: str) -> None:
        headers = {"Content-Type": content_type}
        auth = AUTHS[self.route]
        if mode == "basic":
            headers |= BASIC
        elif mode == "signed":
            body, signed = auth.sign(body, auth.secret, time.time())
            headers |= signed
        resp = await self.client.post(f"/api/v1/webhooks/{self.route}", data=body, headers=headers)
        await resp.read()
        assert resp.status in ALLOWED, (self.route, resp.status, mode, body[:200])
        self.statuses[resp.status] = self.statuses.get(resp.status, 0) + 1


async def _fuzz(settings: Settings, route: str) -> AsyncIterator[Fuzz]:
    update: dict[str, Any] = {"max_body_bytes": MAX_BODY}
    for auth in AUTHS.values():
        update |= auth.settings
    update["webhook_basic_auth"] = AUTHS["mailjet"].settings["webhook_basic_auth"]
    client = await started(settings.model_copy(update=update))
    f = Fuzz(client, route)
    yield f
    await client.close()
    took = time.monotonic() - f.started
    print(f"\nfuzz {route}: {sum(f.statuses.values())} requests in {took:.1f}s {f.statuses}")
    assert sum(f.statuses.values()) >= EXAMPLES, (route, f.statuses)
    assert f.statuses.get(200, 0) > 0, (route, f.statuses)  # past auth and well-formed
    assert f.statuses.get(400, 0) > 0, (route, f.statuses)  # past auth, malformed


@pytest.fixture(params=sorted(AUTHS))
async def fuzz(
    request: pytest.FixtureRequest, settings: Settings, quiet: None
) -> AsyncIterator[Fuzz]:
    async for f in _fuzz(settings, request.param):
        yield f


def _case(drawn: tuple[tuple[bytes, str], int]) -> tuple[bytes, str, str]:
    """(body, content type, auth mode): 1 in 8 unauthenticated, 1 in 64 oversized, the
    rest half signed the provider's way, half basic auth."""
    (body, content_type), n = drawn
    if n == 1:
        body = b"{" + b" " * (MAX_BODY + 8) + b"}"
    mode = "none" if n % 8 == 0 else ("signed" if n % 2 else "basic")
    return body, content_type, mode


@FUZZ
@given(data=st.data())
async def test_fuzz_batch2_route(fuzz: Fuzz, data: st.DataObject) -> None:
    drawn = data.draw(st.tuples(STRATEGIES[fuzz.route], st.integers(0, 63)))
    await fuzz.post(*_case(drawn))
