"""Issue 3, done-when 4 (ingest side): per route, 5,000 generated bodies against the
real ingest app and broker -> never a 5xx. Authenticated and unauthenticated,
well-formed-but-wrong and junk, some over the size bound.

SubscribeURL / SigningCertURL must match BOUNCEFLOW_SNS_URL_PATTERN before ingest
fetches anything; the pattern here matches no host, so a fuzzed SNS control message
never leaves the machine (an unreachable SNS is a legitimate 503, not a bug).
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.settings import Settings
from tests.fuzz_bodies import BODIES
from tests.ingest_client import api_key, started

EXAMPLES = 5000
MAX_BODY = 8192
ALLOWED = frozenset({200, 400, 401, 413})
BASIC = "Basic " + base64.b64encode(b"provider:s3cret-s3cret-s3cret").decode()
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@dataclass
class Fuzz:
    client: TestClient
    auth: dict[str, dict[str, str]]
    statuses: dict[str, dict[int, int]]

    async def post(self, route: str, body: bytes, content_type: str, auth: bool) -> None:
        headers = {"Content-Type": content_type, **(self.auth[route] if auth else {})}
        resp = await self.client.post(f"/api/v1/webhooks/{route}", data=body, headers=headers)
        await resp.read()
        assert resp.status in ALLOWED, (route, resp.status, body[:200])
        counts = self.statuses.setdefault(route, {})
        counts[resp.status] = counts.get(resp.status, 0) + 1


@pytest.fixture
async def fuzz(settings: Settings, db: asyncpg.Pool, quiet: None) -> AsyncIterator[Fuzz]:
    fuzz_settings = settings.model_copy(
        update={"sns_url_pattern": r"^https://sns\.fuzz\.invalid/", "max_body_bytes": MAX_BODY}
    )
    client = await started(fuzz_settings)
    basic = {"Authorization": BASIC}
    auth = {
        "ses": basic,
        "mailgun": basic,
        "sendgrid": basic,
        "dsn": await api_key(db, "subscribers"),
    }
    f = Fuzz(client, auth, {})
    yield f
    await client.close()
    for route, counts in f.statuses.items():  # each route reached past auth, both ways
        assert sum(counts.values()) >= EXAMPLES, (route, counts)
        assert counts.get(200, 0) > 0, (route, counts)
        assert counts.get(400, 0) > 0, (route, counts)


def cases(route: str) -> st.SearchStrategy[tuple[bytes, str, bool]]:
    """(body, content type, authenticated): 7 in 8 authenticated, 1 in 64 oversized."""

    def shape(drawn: tuple[tuple[bytes, str], int]) -> tuple[bytes, str, bool]:
        (body, content_type), n = drawn
        if n == 1:
            body = b"{" + b" " * (MAX_BODY + 8 * n) + b"}"
        return body, content_type, n % 8 != 0

    return st.tuples(BODIES[route], st.integers(0, 63)).map(shape)


@FUZZ
@given(case=cases("ses"))
async def test_fuzz_ses_route(fuzz: Fuzz, case: tuple[bytes, str, bool]) -> None:
    await fuzz.post("ses", *case)


@FUZZ
@given(case=cases("mailgun"))
async def test_fuzz_mailgun_route(fuzz: Fuzz, case: tuple[bytes, str, bool]) -> None:
    await fuzz.post("mailgun", *case)


@FUZZ
@given(case=cases("sendgrid"))
async def test_fuzz_sendgrid_route(fuzz: Fuzz, case: tuple[bytes, str, bool]) -> None:
    await fuzz.post("sendgrid", *case)


@FUZZ
@given(case=cases("dsn"))
async def test_fuzz_dsn_route(fuzz: Fuzz, case: tuple[bytes, str, bool]) -> None:
    await fuzz.post("dsn", *case)
