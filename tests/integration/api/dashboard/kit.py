"""Seed data for the dashboard tests: a few weeks of sending history, today's bounces
reported through the real API, and outgoing endpoints in three states of health."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from shared.ledger import EventRecord, apply_events
from shared.policy import HistoryKind
from tests.integration.api_kit import Client, bearer, make_key, report

SOURCES = ("ses", "mailgun", "sendgrid")
CAMPAIGNS = ("welcome", "weekly-digest", "black-friday", None)
SENDING_DOMAINS = ("news.shop.example", "mail.shop.example", None)
DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "example.org")
DAYS = 21
SEED = 20260110


@dataclass(frozen=True)
class Seeded:
    reported: list[int]  # bounce ids reported through POST /api/v1/bounces
    endpoints: list[int]


def _record(rng: random.Random, kind: HistoryKind, day: int, i: int, now: datetime) -> EventRecord:
    when = now - timedelta(days=day, minutes=rng.randrange(1, 24 * 60))
    user = rng.randrange(5000)
    return EventRecord(
        dedup_key=f"seed:{kind.value}:{day}:{i}",
        email=f"user{user}@{rng.choice(DOMAINS)}",
        kind=kind,
        source=rng.choice(SOURCES),
        occurred_at=when,
        campaign_name=rng.choice(CAMPAIGNS),
        sending_domain=rng.choice(SENDING_DOMAINS),
        diagnostic_code="550 5.1.1 user unknown" if kind is HistoryKind.HARD else None,
    )


def history(now: datetime) -> list[EventRecord]:
    """Today and DAYS days before: deliveries, bounces and complaints; one bad week in the middle."""
    rng = random.Random(SEED)
    out: list[EventRecord] = []
    for day in range(DAYS, -1, -1):
        bad = 8 <= day <= 11
        mix = {
            HistoryKind.DELIVERY: rng.randrange(300, 400),
            HistoryKind.HARD: rng.randrange(14, 24) if bad else rng.randrange(0, 6),
            HistoryKind.SOFT: rng.randrange(0, 8),
            HistoryKind.COMPLAINT: 1 if day in (3, 9, 15) else 0,
        }
        for kind, n in mix.items():
            out.extend(_record(rng, kind, day, i, now) for i in range(n))
    # applied oldest first, as they happened: the bounce log lists newest first by id
    return sorted(out, key=lambda r: r.occurred_at)


async def add_endpoint_states(db: asyncpg.Pool) -> list[int]:
    """A healthy, a failing and a disabled endpoint, with pending and dead deliveries."""
    rows = [
        ("https://hooks.example.com/bounces?token=secret", True, None, None),
        ("https://crm.example.net/in/abc", True, timedelta(hours=2), None),
        ("https://old.example.org/hook", False, timedelta(days=5), "endpoint answered 410 Gone"),
    ]
    ids = []
    for url, enabled, failing_for, reason in rows:
        ids.append(
            await db.fetchval(
                "INSERT INTO webhook_endpoints (url, events, enabled, secret, disabled_reason,"
                " failing_since) VALUES ($1, '{email.bounced}', $2, 'whsec_x', $3,"
                " now() - $4::interval) RETURNING id",
                url,
                enabled,
                reason,
                failing_for,
            )
        )
    deliveries = [(ids[1], "pending", 3, 0), (ids[1], "pending", 0, 0), (ids[2], "failed", 8, 0)]
    for endpoint_id, status, attempts, start in deliveries:
        msg = f"msg_{endpoint_id}_{status}_{attempts}"
        outbox = await db.fetchval(
            "INSERT INTO outbox (message_id, event_type, payload, relayed_at)"
            " VALUES ($1, 'email.bounced', '{}'::jsonb, now()) RETURNING id",
            msg,
        )
        await db.execute(
            "INSERT INTO webhook_deliveries (outbox_id, endpoint_id, message_id, event_type,"
            " status, attempts, schedule_start, completed_at)"
            " VALUES ($1, $2, $3, 'email.bounced', $4, $5, $6,"
            " CASE WHEN $4 = 'failed' THEN now() END)",
            outbox,
            endpoint_id,
            msg,
            status,
            attempts,
            start,
        )
    return ids


async def seed(client: Client, db: asyncpg.Pool, now: datetime | None = None) -> Seeded:
    """History through the ledger (what the processor applies), today's bounces through
    POST /api/v1/bounces, endpoints in three states."""
    now = now or datetime.now(UTC)
    events = history(now)
    async with db.acquire() as conn:
        for day in range(DAYS, -1, -1):  # a day at a time: the log's ids follow the days
            start, end = now - timedelta(days=day + 1), now - timedelta(days=day)
            batch = [e for e in events if start <= e.occurred_at < end]
            await apply_events(conn, batch, 3, now=now)
    auth = bearer(await make_key(db, "subscribers"))
    reports: list[dict[str, Any]] = [
        {"email": "jane@gmail.com", "bounce_type": "hard", "campaign_name": "welcome"},
        {"email": "bob@yahoo.com", "bounce_type": "soft", "diagnostic_code": "452 4.2.2 full"},
        {"email": "spam@outlook.com", "bounce_type": "complaint"},
    ]
    reported = [await report(client, auth, **body) for body in reports]
    return Seeded(reported=reported, endpoints=await add_endpoint_states(db))
