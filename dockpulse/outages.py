"""Which errors mean "a server we depend on is not there right now" (docs/operations.md,
"What happens when ... is down"): the web answers them with 503 and Retry-After, tasks
retry them, the listener reconnects. Everything else stays an error of ours."""

from __future__ import annotations

import psycopg
from django.db import InterfaceError as DjangoInterfaceError
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

# SQLSTATE classes and codes of a server that cannot serve (not of a bad query): 08 the
# connection failed or broke, 53 the server is out of connections or memory, 57P01-57P03
# it is shutting down, crashed or is still starting.
_UNAVAILABLE_CLASSES = ("08", "53")
_UNAVAILABLE_CODES = frozenset({"57P01", "57P02", "57P03"})

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
    deadlock or a missing table is not (those are ours to fix, or the caller's)."""
    for error in _chain(exc):
        if isinstance(error, psycopg.InterfaceError | DjangoInterfaceError):
            return True
        if isinstance(error, psycopg.OperationalError):
            state = error.sqlstate
            # No SQLSTATE: the failure is the connection itself (refused, closed, reset).
            if state is None:
                return True
            return state[:2] in _UNAVAILABLE_CLASSES or state in _UNAVAILABLE_CODES
    return False


def broker_unavailable(exc: BaseException | None) -> bool:
    """True for a Redis (cache or Celery broker) that does not answer."""
    return any(isinstance(error, BROKER_ERRORS) for error in _chain(exc))
