"""The database error classes, in one place: which failures mean "the database is away".

A restart, a failover, a network cut or a full server surface from asyncpg in many
forms, depending on the moment they hit: a refused or reset socket (OSError, which
includes TimeoutError), "connection was closed in the middle of operation"
(ConnectionDoesNotExistError), "the underlying connection is closed"
(InterfaceError), "the database system is starting up / shutting down"
(CannotConnectNowError, AdminShutdownError), too many clients — and
InternalClientError: when the server ends an idle pooled session, its FATAL
message can be read before the socket's end, leaving the protocol in its
error-consuming state while `is_closed()` is still False; the pool hands that
connection out and the next statement (a transaction's BEGIN) fails with
"cannot switch to state 15; another operation (2) is in progress".

None of these says anything about the data: the same work succeeds once the
database is back. Everything else (bad data, constraint violations, a bug in a
query) is not "unavailable" and must not be waited out.
"""

from __future__ import annotations

import asyncpg
from asyncpg import exceptions as pg

# Exception classes that mean "the database cannot be reached or is not serving now".
UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable, timed out (TimeoutError is an OSError)
    asyncpg.InterfaceError,  # "connection is closed", a half-dead pooled connection
    asyncpg.InternalClientError,  # the protocol state a server-side termination leaves
    pg.PostgresConnectionError,  # SQLSTATE class 08, incl. ConnectionDoesNotExistError
    pg.CannotConnectNowError,  # 57P03 starting up / shutting down
    pg.AdminShutdownError,  # 57P01 terminating connection due to administrator command
    pg.CrashShutdownError,  # 57P02
    pg.TooManyConnectionsError,  # 53300
)
# Any failure of a database operation: what a loop that logs and carries on catches.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (*UNAVAILABLE, asyncpg.PostgresError)
# Not unavailability, though they subclass the above: a bad DSN or option is a config bug.
_NOT_UNAVAILABLE: tuple[type[BaseException], ...] = (pg.ClientConfigurationError,)


def is_unavailable(exc: BaseException) -> bool:
    """True when `exc` (or what it was raised from) says the database is away, not that
    the work is wrong: waiting and trying the same work again is the right answer."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, UNAVAILABLE) and not isinstance(current, _NOT_UNAVAILABLE):
            return True
        current = current.__cause__
    return False
