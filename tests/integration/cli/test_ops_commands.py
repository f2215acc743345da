"""The ops commands as an operator runs them: `bounceflow import` (progress, --domain),
`replay`, `prune` and `status` (also with the broker or the database away), as
subprocesses against the real Postgres and RabbitMQ."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import aio_pika
import asyncpg
import orjson

from shared.broker import Topology, declare
from shared.settings import Settings
from tests.integration.cli.kit import bounceflow, cli_env, delivery, endpoint

EXPORT = (
    "address,code,error,created_at\r\n"
    'ev@mgrules.com,550,,"Wed, 15 Feb 2012 11:16:31 GMT"\r\n'
    'void@example.info,550,"5.1.1 unknown","Sun, 05 Feb 2012 21:36:26 GMT"\r\n'
    "not-an-address,550,,\r\n"
)
NOW = datetime.now(UTC)


async def test_import_shows_progress_and_records_the_domain(
    settings: Settings, db: asyncpg.Pool, tmp_path: Path
) -> None:
    path = tmp_path / "bounces.csv"
    path.write_text(EXPORT)
    env = cli_env(settings)
    ran = await bounceflow(env, "import", str(path), "--domain", "News.Example")
    assert ran.code == 0, ran.err
    assert "mailgun export: 3 rows, 2 imported, 0 already present, 1 skipped" in ran.out
    assert f"import {path}" in ran.err  # the progress bar's final state
    assert "2 rows" in ran.err
    assert "skipped line 4" in ran.err
    rows = await db.fetch("SELECT email, sending_domain FROM events ORDER BY email")
    assert [tuple(r) for r in rows] == [
        ("ev@mgrules.com", "news.example"),
        ("void@example.info", "news.example"),
    ]
    # the same export for another domain is two more entries; without a domain, global
    ran = await bounceflow(env, "import", str(path), "--domain", "shop.example")
    assert "2 imported" in ran.out
    ran = await bounceflow(env, "import", str(path))
    assert "2 imported" in ran.out
    assert await db.fetchval("SELECT count(*) FROM events WHERE sending_domain IS NULL") == 2


async def test_replay_requeues_failed_deliveries_in_the_window(
    settings: Settings, db: asyncpg.Pool
) -> None:
    target = await endpoint(db)
    other = await endpoint(db)
    recent = [await delivery(db, target, "failed", NOW - timedelta(hours=h)) for h in (2, 3)]
    old = await delivery(db, target, "failed", NOW - timedelta(days=3))
    done = await delivery(db, target, "succeeded", NOW - timedelta(hours=1))
    elsewhere = await delivery(db, other, "failed", NOW - timedelta(hours=1))
    env = cli_env(settings)
    ran = await bounceflow(env, "replay", "--endpoint", str(target), "--since", "1d")
    assert ran.code == 0, ran.err
    assert ran.out.strip() == f"replayed: 2 failed deliveries of endpoint {target} queued again"
    assert f"replay endpoint {target}" in ran.err
    assert "2/2" in ran.err
    rows = await db.fetch("SELECT id, status FROM webhook_deliveries")
    status: dict[int, str] = {r["id"]: r["status"] for r in rows}
    assert [status[d] for d in recent] == ["pending", "pending"]
    assert (status[old], status[done], status[elsewhere]) == ("failed", "succeeded", "failed")
    due = await db.fetchval(
        "SELECT bool_and(next_attempt_at <= now()) FROM webhook_deliveries WHERE id = ANY($1)",
        recent,
    )
    assert due is True
    # a window with an end: the old one only
    since, until = (NOW - timedelta(days=4)).isoformat(), (NOW - timedelta(days=2)).isoformat()
    ran = await bounceflow(
        env, "replay", "--endpoint", str(target), "--since", since, "--until", until
    )
    assert "replayed: 1 failed deliveries" in ran.out


async def test_replay_errors_are_one_clear_line(settings: Settings, db: asyncpg.Pool) -> None:
    env = cli_env(settings)
    ran = await bounceflow(env, "replay", "--endpoint", "4242", "--since", "24h")
    assert ran.code == 1
    assert ran.err.strip() == "bounceflow: replay: no webhook endpoint with id 4242"
    target = await endpoint(db)
    ran = await bounceflow(env, "replay", "--endpoint", str(target), "--since", "yesterday")
    assert ran.code == 2
    assert ran.err.strip().startswith("bounceflow: replay: --since: 'yesterday' is not")
    assert len(ran.err.strip().splitlines()) == 1
    ran = await bounceflow(
        env, "replay", "--endpoint", str(target), "--since", "1h", "--until", "2h"
    )
    assert (ran.code, ran.err.strip()) == (2, "bounceflow: replay: --until must be after --since")


async def _declare(settings: Settings) -> Topology:
    topo = Topology(settings.amqp_prefix, settings.raw_queue_max_length, settings.delivery_limit)
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        await declare(await connection.channel(), topo)
    return topo


async def test_status_after_a_prune(settings: Settings, db: asyncpg.Pool) -> None:
    topo = await _declare(settings)
    gone = await endpoint(db, enabled=False, reason="answered 410 Gone")
    live = await endpoint(db)
    await db.execute("UPDATE webhook_endpoints SET failing_since = now() WHERE id = $1", live)
    await delivery(db, live, "pending", NOW - timedelta(minutes=5), attempts=2)
    await delivery(db, live, "failed", NOW - timedelta(hours=1))
    await delivery(db, gone, "succeeded", NOW - timedelta(hours=1))
    env = cli_env(settings)
    pruned = await bounceflow(env, "prune")
    assert pruned.code == 0, pruned.err
    assert pruned.out.startswith("pruned: ")
    assert "pruned" in pruned.err  # the progress display's final state

    ran = await bounceflow(env, "status", "--json")
    assert ran.code == 0, ran.err
    doc = orjson.loads(ran.out)
    raw, dead = doc["broker"]["raw"], doc["broker"]["dead"]
    assert (raw["name"], raw["ready"], raw["consumers"]) == (topo.raw_queue, 0, 0)
    assert (dead["name"], dead["ready"]) == (topo.dead_queue, 0)
    data = doc["database"]
    deliveries = data["deliveries"]
    assert (deliveries["pending"], deliveries["failing"], deliveries["failed"]) == (1, 1, 1)
    assert deliveries["oldest_pending_age_seconds"] >= 300
    assert data["disabled_endpoints"] == [
        {"id": gone, "url": "https://hooks.example.com/in", "reason": "answered 410 Gone"}
    ]
    assert [e["id"] for e in data["failing_endpoints"]] == [live]
    assert data["last_prune"]["at"]

    ran = await bounceflow(env, "status")
    assert ran.code == 0, ran.err
    assert topo.raw_queue in ran.out
    assert topo.dead_queue in ran.out
    assert "webhook deliveries: 1 pending (1 failing and retrying" in ran.out
    assert "1 failed (replayable)" in ran.out
    assert f"#{gone} https://hooks.example.com/in: answered 410 Gone" in ran.out
    assert "last prune: " in ran.out
    assert "last prune: never" not in ran.out


async def test_status_with_the_broker_or_the_database_away(
    settings: Settings, db: asyncpg.Pool
) -> None:
    await _declare(settings)
    away = cli_env(settings, BOUNCEFLOW_AMQP_URL="amqp://guest:guest@127.0.0.1:1/")
    ran = await bounceflow(away, "status")
    assert ran.code == 1
    assert "broker: broker unreachable:" in ran.out
    assert "webhook deliveries: 0 pending" in ran.out
    assert "last prune: never" in ran.out
    away = cli_env(settings, BOUNCEFLOW_DATABASE_URL="postgresql://postgres@127.0.0.1:1/bounceflow")
    ran = await bounceflow(away, "status", "--json")
    assert ran.code == 1
    doc = orjson.loads(ran.out)
    assert doc["database"]["error"].startswith("database unreachable:")
    assert doc["broker"]["raw"]["ready"] == 0
