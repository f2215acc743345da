"""The one classifier of "the database is away", and the waiting it drives."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from asyncpg import exceptions as pg

from shared.db_errors import is_unavailable
from shared.db_health import DatabaseHealth


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(111, "refused"),
        ConnectionResetError(),
        TimeoutError(),
        asyncpg.InternalClientError(
            "cannot switch to state 15; another operation (2) is in progress"
        ),
        asyncpg.InterfaceError("connection is closed"),
        pg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        pg.CannotConnectNowError("the database system is starting up"),
        pg.AdminShutdownError("terminating connection due to administrator command"),
        pg.TooManyConnectionsError("sorry, too many clients already"),
    ],
)
def test_unavailable(exc: BaseException) -> None:
    assert is_unavailable(exc)


@pytest.mark.parametrize(
    "exc",
    [
        pg.UniqueViolationError("duplicate key"),
        pg.DataError("invalid input"),
        pg.DeadlockDetectedError("deadlock"),
        pg.UndefinedTableError("no such table"),
        pg.ClientConfigurationError("bad option"),
        ValueError("a bug"),
    ],
)
def test_not_unavailable(exc: BaseException) -> None:
    assert not is_unavailable(exc)


def test_raised_from_an_outage_counts() -> None:
    outer = RuntimeError("wrapped")
    outer.__cause__ = ConnectionResetError()
    assert is_unavailable(outer)


async def test_waiters_are_released_by_close_while_the_database_is_away() -> None:
    # nothing listens on port 1: every probe fails fast
    health = DatabaseHealth("postgresql://postgres@127.0.0.1:1/x", max_delay=0.05)
    assert health.available
    assert await health.wait_until_up()
    health.down(ConnectionRefusedError())
    assert not health.available
    waiter = asyncio.create_task(health.wait_until_up())
    await asyncio.sleep(0.2)  # several failed probes
    assert not waiter.done()
    health.close()
    assert await asyncio.wait_for(waiter, 5) is False
