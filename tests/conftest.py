"""Session fixtures: a database and a broker namespace of this run's own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from shared.broker import delete_topology
from shared.db import create_pool
from shared.events_out import EventType
from shared.migrate import migrate
from shared.settings import Settings
from tests.infra import Servers, servers

RUN_ID = uuid.uuid4().hex[:10]

TABLES = (
    "webhook_attempts, webhook_deliveries, webhook_endpoints, outbox, events, "
    "subscribers, api_keys, idempotency_keys, deliveries, maintenance, domain_bounce_clears, "
    "replay_guard"
)


@pytest.fixture(scope="session")
def infra() -> Iterator[Servers]:
    with servers() as found:
        yield found


@pytest.fixture(scope="session")
async def database_url(infra: Servers) -> AsyncIterator[str]:
    name = f"bftest_{RUN_ID}"
    admin = await asyncpg.connect(infra.postgres_admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = infra.postgres_admin_url.rpartition("/")[0] + "/" + name
    conn = await asyncpg.connect(url)
    await migrate(conn)
    await conn.close()
    yield url
    # a fresh connection: some tests restart Postgres, which ends every session
    admin = await asyncpg.connect(infra.postgres_admin_url)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture(scope="session")
async def amqp_prefix(infra: Servers) -> AsyncIterator[str]:
    prefix = f"bftest-{RUN_ID}"
    yield prefix
    await delete_topology(infra.amqp_url, prefix)


@pytest.fixture(scope="session")
def base_settings(database_url: str, amqp_prefix: str, infra: Servers) -> Settings:
    return Settings(
        database_url=database_url,
        amqp_url=infra.amqp_url,
        amqp_prefix=amqp_prefix,
        http_port=0,
        log_format="console",
        log_level="warning",
        mailgun_signing_key=None,
        sendgrid_public_key=None,
        webhook_basic_auth="provider:s3cret-s3cret-s3cret",
        allow_private_endpoints=True,
        prune_interval=0,  # fixtures' provider times are years old (test_retention prunes)
        _env_file=None,
    )


@pytest.fixture(scope="session")
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    p = await create_pool(database_url, size=5)
    yield p
    await p.close()


@pytest.fixture
async def db(pool: asyncpg.Pool) -> asyncpg.Pool:
    """The pool, with every table emptied before the test."""
    await pool.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
    return pool


@pytest.fixture
async def settings(base_settings: Settings, infra: Servers) -> AsyncIterator[Settings]:
    """Settings with a broker namespace of this test's own, deleted afterwards."""
    prefix = f"{base_settings.amqp_prefix}-{uuid.uuid4().hex[:6]}"
    yield base_settings.model_copy(update={"amqp_prefix": prefix})
    await delete_topology(infra.amqp_url, prefix)


@pytest.fixture
async def listening(db: asyncpg.Pool) -> asyncpg.Pool:
    """`db` with an enabled endpoint subscribed to every event type (no notifier runs to
    call it): the ledger writes outbox rows only for the types someone listens to."""
    await db.execute(
        "INSERT INTO webhook_endpoints (url, events, secret) VALUES ($1, $2, $3)",
        "https://listener.invalid/hook",
        [t.value for t in EventType],
        "whsec_" + "A" * 32,
    )
    return db
