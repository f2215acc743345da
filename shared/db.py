"""asyncpg pool factory; the pool is created in a service's lifespan and passed in."""

from __future__ import annotations

from typing import Any, Final, TypeAlias

import asyncpg
import orjson
from asyncpg.pool import PoolConnectionProxy

# What `pool.acquire()` yields and what `asyncpg.connect()` returns: both work everywhere.
Conn: TypeAlias = "asyncpg.Connection[Any] | PoolConnectionProxy[Any]"


# What a database outage or restart raises: the socket, the server, the driver.
DB_ERRORS: Final = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb columns go in and out as Python objects, encoded by orjson.
    await conn.set_type_codec(
        "jsonb",
        encoder=lambda v: orjson.dumps(v).decode(),
        decoder=orjson.loads,
        schema="pg_catalog",
    )


async def create_pool(dsn: str, size: int = 10) -> asyncpg.Pool:
    """A pool whose connections decode jsonb; callers close it."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=1,
        max_size=size,
        init=_init_connection,
        command_timeout=60,
        # short OLTP statements: JIT compilation (on by default) only adds 100-300 ms
        # whenever a plan's estimated cost crosses jit_above_cost
        server_settings={"jit": "off"},
    )
    assert pool is not None
    return pool
