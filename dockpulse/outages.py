"""Which errors mean "a server we depend on is not there right now" (docs/operations.md,
"What happens when ... is down"): the web answers them with 503 and Retry-After, tasks
retry them, the listener reconnects. Everything else stays an error of ours."""

from __future__ import annotations

import psycopg
from django.db import InterfaceError as DjangoInterfaceError
from django.db import OperationalError as DjangoOperationalError
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

# SQLSTATE classes and codes of a server that cannot serve (not of a bad query): 08 the
# connection failed or broke, 53 the server is out of connections or memory, 57P01-57P03
# it is shutting down, crashed or is still starting.
_UNAVAILABLE_CLASSES = ("08", "53")
_UNAVAILABLE_CODES = frozenset({"57P01", "57P02", "57P03"})

# A failure with no SQLSTATE (libpq's own: the connection could not be made or broke, or a
# FATAL at connect, which psycopg reports without one) counts only when its message says
# the server is not there or not ready. Anything else -- a FATAL "database does not exist"
# (a dropped or restored tenant database), "role does not exist" or a wrong password (the
# configuration), "number of parameters must be between 0 and 65535", "the cursor is
# closed" -- is an error of ours, and must show as one instead of an endless 503.
_UNAVAILABLE_MESSAGES = (
    "connection refused",
    "timeout expired",
    "server closed the connection",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "the database system is not yet accepting connections",
    "too many clients",
    "terminating connection due to administrator command",
    "connection reset by peer",
    "could not receive data from server",
    "could not send data to server",
    "no route to host",
    "network is unreachable",
    # psycopg's words for a connection that broke earlier (the server went away).
    "the connection is lost",
    "the connection is closed",
    "connection already closed",
)

# What the broker (Redis, through redis-py or kombu) raises while it is down.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    RedisError,
    KombuOperationalError,
    ConnectionError,
    TimeoutError,
)


def _chain(exc: BaseException | None) -> list[BaseException]:
    """The exception and what caused it (Django wraps psycopg's errors in its own)."""
    seen: list[BaseException] = []
    while exc is not None and exc not in seen and len(seen) < 10:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def database_unavailable(exc: BaseException | None) -> bool:
    """True for a database server that is down, restarting or unreachable, or for a
    connection to it that broke: worth a "try again shortly". A statement timeout, a
    deadlock, a missing table or database, a wrong password or a misused cursor is not
    (those are ours to fix, or the caller's)."""
    for error in _chain(exc):
        if isinstance(error, psycopg.Error):
            # The driver's own error decides (Django's wrapper only repeats its message).
            state = error.sqlstate
            if state is None:
                return _says_unavailable(error)
            return state[:2] in _UNAVAILABLE_CLASSES or state in _UNAVAILABLE_CODES
    # No driver error in the chain: one Django raised itself (a closed connection).
    return any(
        isinstance(error, DjangoInterfaceError | DjangoOperationalError)
        and _says_unavailable(error)
        for error in _chain(exc)
    )


def _says_unavailable(error: BaseException) -> bool:
    message = str(error).lower()
    return any(phrase in message for phrase in _UNAVAILABLE_MESSAGES)


def broker_unavailable(exc: BaseException | None) -> bool:
    """True for a Redis (cache or Celery broker) that does not answer."""
    return any(isinstance(error, BROKER_ERRORS) for error in _chain(exc))
