"""The notifier as a separate OS process, SIGKILLed while retries are pending: after a
restart every pending delivery still happens, none is lost, and a message is never
answered 2xx twice; every request of a delivery carries its one webhook-id (issue 4,
"Done when" 3)."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web

from demo.processes import Service, service_env
from shared.settings import Settings
from tests.helpers import wait_for
from tests.integration.notifier_kit import Receiver, add_endpoint, add_outbox, all_in

pytestmark = pytest.mark.e2e

MESSAGES = 30
EVENTS = ["email.bounced", "email.complained", "subscriber.status_changed"]


class Flaky:
    """Answers 500 until `healthy`; remembers each answer, in the order of `hits`."""

    def __init__(self) -> None:
        self.healthy = False
        self.answers: list[int] = []

    def __call__(self, _n: int) -> web.Response:
        status = 204 if self.healthy else 500
        self.answers.append(status)
        return web.Response(status=status)


@pytest.fixture
async def receivers() -> AsyncIterator[list[tuple[Receiver, Flaky]]]:
    made = []
    for _ in range(2):
        flaky = Flaky()
        receiver = Receiver(flaky)
        await receiver.start()
        made.append((receiver, flaky))
    yield made
    for receiver, _ in made:
        await receiver.stop()


async def test_sigkill_with_retries_pending_loses_and_duplicates_nothing(
    base_settings: Settings,
    db: asyncpg.Pool,
    receivers: list[tuple[Receiver, Flaky]],
    tmp_path: Path,
) -> None:
    for receiver, _ in receivers:
        await add_endpoint(db, receiver.url, EVENTS)
    ids = [
        await add_outbox(db, EVENTS[n % 3], to=f"n{n}@example.com", email=f"n{n}@example.com")
        for n in range(MESSAGES)
    ]
    env = service_env(
        {
            "BOUNCEFLOW_DATABASE_URL": base_settings.database_url,
            "BOUNCEFLOW_AMQP_URL": base_settings.amqp_url,
            "BOUNCEFLOW_ALLOW_PRIVATE_ENDPOINTS": "true",
            "BOUNCEFLOW_NOTIFIER_POLL_INTERVAL": "0.2",
            # many quick retries: the kill lands while they are pending
            "BOUNCEFLOW_NOTIFIER_RETRY_SCHEDULE": "0.3,0.6,1,1,1,1,1,1,1,1",
            # a lease held at the kill runs out after 2 + 10 s
            "BOUNCEFLOW_NOTIFIER_REQUEST_TIMEOUT": "2",
            "BOUNCEFLOW_LOG_FORMAT": "json",
        }
    )
    log = tmp_path / "notifier.log"
    notifier = Service("notifier", env, log)
    notifier.start()
    try:

        async def retrying() -> bool:
            row = await db.fetchrow(
                "SELECT count(*) FILTER (WHERE attempts >= 1) AS tried,"
                " count(*) FILTER (WHERE attempts >= 2) AS retried,"
                " count(*) FILTER (WHERE status = 'pending') AS pending"
                " FROM webhook_deliveries"
            )
            assert row is not None
            total = 2 * MESSAGES
            return bool(row["tried"] == total and row["retried"] > 0 and row["pending"] == total)

        await wait_for(retrying, timeout=30, what="every delivery failed once, retries pending")
        notifier.kill()
        at_kill = await db.fetchrow(
            "SELECT count(*) FILTER (WHERE status = 'pending') AS pending,"
            " count(*) FILTER (WHERE locked_until > now()) AS leased,"
            " sum(attempts) AS attempts FROM webhook_deliveries"
        )
        assert at_kill is not None
        assert at_kill["pending"] == 2 * MESSAGES

        for _, flaky in receivers:
            flaky.healthy = True
        restarted = time.monotonic()
        notifier.start()
        await wait_for(
            all_in(db, "succeeded", 2 * MESSAGES), timeout=40, what="every delivery after restart"
        )
        print(
            f"\nkilled with {at_kill['pending']} deliveries pending ({at_kill['attempts']} attempts"
            f" made, {at_kill['leased']} leases held); all delivered"
            f" {time.monotonic() - restarted:.1f} s after the restart"
        )
    finally:
        code = notifier.stop()
    assert code == 0, log.read_text()[-3000:]

    recorded = {
        (r["url"], r["message_id"]): r["attempts"]
        for r in await db.fetch(
            "SELECT e.url, d.message_id, d.attempts FROM webhook_deliveries d"
            " JOIN webhook_endpoints e ON e.id = d.endpoint_id"
        )
    }
    for receiver, flaky in receivers:
        assert len(flaky.answers) == len(receiver.hits)
        succeeded = Counter(
            h.headers["webhook-id"]
            for h, s in zip(receiver.hits, flaky.answers, strict=True)
            if s == 204
        )
        assert sorted(succeeded) == sorted(ids)  # none lost
        assert set(succeeded.values()) == {1}  # none answered 2xx twice
        requests: defaultdict[str, int] = defaultdict(int)
        for hit in receiver.hits:
            requests[hit.headers["webhook-id"]] += 1
        for msg_id, count in requests.items():
            # every attempt is in the log; at most one request was cut off by the kill
            assert 0 <= count - recorded[(receiver.url, msg_id)] <= 1, msg_id
