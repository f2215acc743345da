"""The delivery routes against a real Postgres: the attempt log with paging, retry and
bulk replay (CONTRACT §5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from tests.integration.api.endpoints.kit import EP, Client, add_delivery, create, data
from tests.integration.api_kit import error_of


async def test_deliveries_with_attempts_newest_first_and_paged(
    client: Client, auth: dict[str, str], db: asyncpg.Pool
) -> None:
    created = await create(client, auth)
    other = await create(client, auth)
    ids = [await add_delivery(db, created["id"], attempts=2) for _ in range(5)]
    await add_delivery(db, other["id"])
    pending = await add_delivery(db, created["id"], status="pending", attempts=1)
    for delivery_id in ids[:2]:
        await db.execute(
            "INSERT INTO webhook_attempts (delivery_id, status_code, latency_ms, error,"
            " response_body) VALUES ($1, NULL, 5000.5, 'timed out', NULL),"
            " ($1, 503, 12.25, NULL, $2)",
            delivery_id,
            "x" * 2048,
        )
    path = f"{EP}/{created['id']}/deliveries"
    first = await data(await client.get(path, params={"limit": "4"}, headers=auth))
    assert [d["id"] for d in first["deliveries"]] == [pending, *ids[::-1][:3]]
    assert first["next_cursor"]
    second = await data(
        await client.get(path, params={"limit": "4", "after": first["next_cursor"]}, headers=auth)
    )
    assert [d["id"] for d in second["deliveries"]] == ids[1::-1]
    assert second["next_cursor"] is None

    oldest = second["deliveries"][-1]
    assert oldest["webhook_id"].startswith("msg_")
    assert (oldest["status"], oldest["attempt_count"], oldest["next_attempt_at"]) == (
        "failed",
        2,
        None,
    )
    timed_out, answered = oldest["attempts"]
    assert (timed_out["status_code"], timed_out["error"], timed_out["latency_ms"]) == (
        None,
        "timed out",
        5000.5,
    )
    assert (answered["status_code"], len(answered["response_body"])) == (503, 2048)
    assert answered["attempted_at"].endswith("Z")
    assert "." in answered["attempted_at"]  # milliseconds
    assert first["deliveries"][0]["next_attempt_at"] is not None

    failed_only = await data(await client.get(path, params={"status": "pending"}, headers=auth))
    assert [d["id"] for d in failed_only["deliveries"]] == [pending]
    await error_of(await client.get(f"{EP}/999/deliveries", headers=auth), 404)
    await error_of(await client.get(path, params={"limit": "0"}, headers=auth), 400)
    await error_of(await client.get(path, params={"after": "zz"}, headers=auth), 400)


# --- retry and replay ---------------------------------------------------------------


async def test_retry_requeues_with_the_same_webhook_id(
    client: Client, auth: dict[str, str], db: asyncpg.Pool
) -> None:
    created = await create(client, auth)
    failed = await add_delivery(db, created["id"], status="failed", attempts=8)
    succeeded = await add_delivery(db, created["id"], status="succeeded", attempts=1)
    waiting = await add_delivery(db, created["id"], status="pending", attempts=2)
    in_flight = await add_delivery(db, created["id"], status="pending", locked=True)
    before = await db.fetchval("SELECT message_id FROM webhook_deliveries WHERE id = $1", failed)

    for delivery_id, schedule_start in ((failed, 8), (succeeded, 1), (waiting, 0)):
        shown = await data(
            await client.post(f"/api/v1/webhook-deliveries/{delivery_id}/retry", headers=auth), 202
        )
        assert shown["status"] == "pending"
        assert shown["completed_at"] is None
        row = await db.fetchrow(
            "SELECT message_id, schedule_start, next_attempt_at <= now() AS due, locked_until"
            " FROM webhook_deliveries WHERE id = $1",
            delivery_id,
        )
        assert row is not None
        assert (row["schedule_start"], row["due"], row["locked_until"]) == (
            schedule_start,
            True,
            None,
        )
        assert shown["webhook_id"] == row["message_id"]
    assert await db.fetchval("SELECT message_id FROM webhook_deliveries WHERE id = $1", failed) == (
        before
    )
    conflict = await error_of(
        await client.post(f"/api/v1/webhook-deliveries/{in_flight}/retry", headers=auth), 409
    )
    assert "being sent" in conflict["message"]
    await error_of(await client.post("/api/v1/webhook-deliveries/999/retry", headers=auth), 404)


async def test_replay_requeues_failed_deliveries_since_a_time(
    client: Client, auth: dict[str, str], db: asyncpg.Pool
) -> None:
    created = await create(client, auth)
    other = await create(client, auth)
    now = datetime.now(UTC)
    old = await add_delivery(db, created["id"], created_at=now - timedelta(hours=3))
    recent = [
        await add_delivery(db, created["id"], attempts=8, created_at=now - timedelta(minutes=m))
        for m in (50, 10)
    ]
    done = await add_delivery(db, created["id"], status="succeeded", created_at=now)
    elsewhere = await add_delivery(db, other["id"], created_at=now)
    since = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    path = f"{EP}/{created['id']}/replay"
    replayed = await data(await client.post(path, json={"since": since}, headers=auth), 202)
    assert replayed == {"endpoint_id": created["id"], "since": since, "replayed": 2}
    rows = {
        r["id"]: (r["status"], r["schedule_start"])
        for r in await db.fetch("SELECT id, status, schedule_start FROM webhook_deliveries")
    }
    assert rows[recent[0]] == rows[recent[1]] == ("pending", 8)
    assert rows[old][0] == "failed"
    assert rows[done][0] == "succeeded"
    assert rows[elsewhere][0] == "failed"
    again = await data(await client.post(path, json={"since": since}, headers=auth), 202)
    assert again["replayed"] == 0
    for bad in ({}, {"since": "yesterday"}, {"since": 1700000000}):
        await error_of(await client.post(path, json=bad, headers=auth), 400)
    await error_of(await client.post(f"{EP}/999/replay", json={"since": since}, headers=auth), 404)


# --- SSRF at registration -----------------------------------------------------------
