"""The hot statements follow an index whatever the planner knows of the tables.

A prepared statement keeps its generic plan; one made while `events` was small (or never
analysed) once scanned the whole table per address of a batch, and the processor fell
from ~3,000 to ~300 events/s as the table grew. The pool's connections take a sequential
scan only where no index serves; these are the generic plans on empty, never-analysed
tables, the planner's least informed case.
"""

from __future__ import annotations

import json
import re
from typing import Any

import asyncpg
import pytest

from shared import ledger, replay_reads, retention
from shared.db import Conn

HOT = {
    "load history": replay_reads.LOAD_HISTORY,
    "latest deliveries": replay_reads.LATEST_DELIVERIES,
    "lock or add subscribers": ledger._LOCK_OR_ADD_SUBSCRIBERS,
    "lock subscribers": ledger._LOCK_SUBSCRIBERS,
    "update subscribers": ledger._UPDATE_SUBSCRIBERS,
    "prunable events": retention._OLD_EVENT_ADDRESSES,
}


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", ()) for n in _nodes(child))]


async def generic_plan(conn: Conn, sql: str) -> list[dict[str, Any]]:
    params = max(int(n) for n in re.findall(r"\$(\d+)", sql))
    await conn.execute("SET plan_cache_mode = force_generic_plan")
    await conn.execute(f"PREPARE hot AS {sql}")
    try:
        nulls = ", ".join(["NULL"] * params)
        plan = await conn.fetchval(f"EXPLAIN (FORMAT JSON) EXECUTE hot({nulls})")
    finally:
        await conn.execute("DEALLOCATE hot")
        await conn.execute("RESET plan_cache_mode")
    return _nodes(json.loads(plan)[0]["Plan"])


@pytest.mark.parametrize("name", list(HOT))
async def test_hot_statement_scans_no_table(db: asyncpg.Pool, name: str) -> None:
    async with db.acquire() as conn:
        nodes = await generic_plan(conn, HOT[name])
    scanned = [n.get("Relation Name") for n in nodes if n["Node Type"] == "Seq Scan"]
    assert scanned == [], f"{name}: sequential scan of {scanned}"


async def test_prune_finds_old_events_by_their_own_index(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        nodes = await generic_plan(conn, retention._OLD_EVENT_ADDRESSES)
    assert "events_prunable" in {n.get("Index Name") for n in nodes}


async def test_history_reads_soft_bounces_by_their_index_and_probes_the_latest_hard(
    db: asyncpg.Pool,
) -> None:
    # not the address's every event: an address that keeps hard-bouncing costs no more
    async with db.acquire() as conn:
        nodes = await generic_plan(conn, replay_reads.LOAD_HISTORY)
    used = {n.get("Index Name") for n in nodes}
    assert used - {None} == {"events_email_kind"}
    assert "Sort" not in {n["Node Type"] for n in nodes}
