"""POST /api/v1/webhooks/dsn on the real broker, and what the processor does with
raw messages: readable bounces applied, unreadable ones dead-lettered with a reason
(issue 3, done-when 4: nothing lost silently)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aio_pika
import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from services.ingest import state
from services.ingest.providers.publisher import BrokerUnavailable
from services.processor.app import serve as processor_serve
from shared.raw import RawEvent
from shared.settings import Settings
from tests.helpers import drain, queue_depth, wait_for
from tests.ingest_client import DSN_URL, api_key, started

DSN_DIR = Path(__file__).parents[2] / "fixtures" / "providers" / "dsn"
URL = DSN_URL
RFC822 = {"Content-Type": "message/rfc822"}


@pytest.fixture
async def client(settings: Settings, db: asyncpg.Pool) -> AsyncIterator[TestClient]:
    c = await started(settings)
    yield c
    await c.close()


def eml(name: str) -> bytes:
    return (DSN_DIR / f"{name}.eml").read_bytes()


async def depth(settings: Settings, queue: str = "raw") -> int:
    return await queue_depth(settings.amqp_url, f"{settings.amqp_prefix}.{queue}")


async def test_accepted_and_published_as_is(
    client: TestClient, settings: Settings, db: asyncpg.Pool
) -> None:
    auth = await api_key(db, "subscribers")
    body = eml("postfix-user-unknown-5.1.1")
    resp = await client.post(URL, data=body, headers={**auth, **RFC822})
    assert resp.status == 200
    event_id = (await resp.json())["data"]["event_id"]
    assert event_id.startswith("evt_")
    (msg,) = await drain(settings.amqp_url, f"{settings.amqp_prefix}.raw")
    assert (msg.message_id, msg.body) == (event_id, body)
    assert msg.headers["provider"] == "dsn"
    assert msg.headers["h-content-type"] == "message/rfc822"
    admin = await api_key(db, "admin")
    for ctype in ("text/plain", "application/octet-stream"):
        resp = await client.post(URL, data=body, headers={**admin, "Content-Type": ctype})
        assert resp.status == 200
    assert await depth(settings) == 2


async def test_auth_content_type_and_shape_are_checked_before_publishing(
    client: TestClient, settings: Settings, db: asyncpg.Pool
) -> None:
    body = eml("rfc5965-b2-abuse-full")
    wrong_scope = await api_key(db, "webhooks")
    auth = await api_key(db, "subscribers")
    cases = [
        ({}, body, 401),
        ({"Authorization": "Bearer bf_not-a-key"}, body, 401),
        ({"Authorization": "Basic cHJvdmlkZXI6czNjcmV0"}, body, 401),  # provider basic auth
        (wrong_scope, body, 403),
        ({**auth, "Content-Type": "application/json"}, body, 415),
        (auth, b"", 400),
        (auth, b"just some text", 400),
        (auth, b"From: friend@example.com\nSubject: hi\n\nA message, not a bounce.\n", 400),
        (auth, io.BytesIO(b"From: MAILER-DAEMON@x\n\n" + b"x" * 1_100_000), 413),
    ]
    for headers, data, status in cases:
        resp = await client.post(URL, data=data, headers={**RFC822, **headers})
        assert resp.status == status, (headers, status)
        envelope = await resp.json()
        assert envelope["success"] is False
        assert envelope["error"]["message"]
    assert await depth(settings) == 0


async def test_broker_unavailable_is_503_with_retry_after(
    client: TestClient, db: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(_raw: RawEvent) -> None:
        raise BrokerUnavailable("test")

    monkeypatch.setattr(client.app[state.PUBLISHER], "publish", refuse)
    auth = await api_key(db, "subscribers")
    resp = await client.post(URL, data=eml("rfc3464-d4-delayed"), headers={**auth, **RFC822})
    assert resp.status == 503
    assert resp.headers["Retry-After"] == "5"


# accepted by ingest (or published as they come), but unreadable for the processor
UNREADABLE_DSN = {
    "gateway": (eml("rfc3464-d3-gateway-non-internet-address"), "no email address"),
    "redacted-arf": (eml("rfc5965-b1-minimal-no-recipient"), "recipient is unknown"),
    "daemon-chat": (b"From: MAILER-DAEMON@mx.example\nSubject: hello\n\nnothing\n", "neither"),
    "no-parts": (
        b"From: MAILER-DAEMON@mx.example\nContent-Type: multipart/report; "
        b'report-type=delivery-status; boundary="B"\n\n--B\n\ntext\n--B--\n',
        "without a message/delivery-status part",
    ),
}
UNREADABLE_OTHER = {
    "ses-type-list": ("ses", b'{"Type": [], "Message": "{}"}', "not a string"),
    "mailgun-no-event-data": ("mailgun", b'{"event-data": 7}', "event-data"),
    "sendgrid-scalar": ("sendgrid", b"[1]", "not an object"),
}


async def test_unreadable_messages_are_dead_lettered_with_a_reason(
    client: TestClient, settings: Settings, db: asyncpg.Pool
) -> None:
    auth = await api_key(db, "subscribers")
    ids: dict[str, str] = {}
    for name, (body, _) in UNREADABLE_DSN.items():
        resp = await client.post(URL, data=body, headers={**auth, **RFC822})
        assert resp.status == 200, name
        ids[(await resp.json())["data"]["event_id"]] = name
    conn = await aio_pika.connect(settings.amqp_url)
    async with conn:
        ch = await conn.channel(publisher_confirms=True)
        exchange = await ch.get_exchange(f"{settings.amqp_prefix}.raw")
        for name, (provider, body, _) in UNREADABLE_OTHER.items():
            raw = RawEvent(f"evt_{name}", provider, body, datetime.now(UTC), {})
            headers = dict(raw.amqp_headers())
            await exchange.publish(
                aio_pika.Message(body, message_id=raw.event_id, headers=headers), "raw"
            )
            ids[raw.event_id] = name
    good = await client.post(
        URL, data=eml("gmail-address-not-found-5.1.1"), headers={**auth, **RFC822}
    )
    assert good.status == 200
    ooo = await client.post(URL, data=eml("outlook-automatic-reply"), headers={**auth, **RFC822})
    assert ooo.status == 200

    stop = asyncio.Event()
    task = asyncio.create_task(processor_serve(settings, stop))
    try:

        async def all_dead() -> bool:
            return await depth(settings, "raw.dead") >= len(ids)

        await wait_for(all_dead, timeout=20, what="every unreadable message dead-lettered")

        async def drained() -> bool:
            return await depth(settings) == 0

        await wait_for(drained, what="raw queue drained")
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    letters = await drain(settings.amqp_url, f"{settings.amqp_prefix}.raw.dead")
    reasons = {ids[str(m.message_id)]: str(m.headers.get("x-bounceflow-error")) for m in letters}
    expected = {n: why for n, (_, why) in UNREADABLE_DSN.items()} | {
        n: why for n, (_, _, why) in UNREADABLE_OTHER.items()
    }
    assert set(reasons) == set(expected)
    for name, why in expected.items():
        assert reasons[name].startswith("unparseable: "), reasons[name]
        assert why in reasons[name], (name, reasons[name])
    # the readable bounce was applied; the out-of-office reply was not a bounce
    rows = await db.fetch("SELECT email, kind, source FROM events")
    assert [(r["email"], r["kind"], r["source"]) for r in rows] == [
        ("dan.nobody@gmail.com", "hard", "dsn")
    ]
