"""How the reports talk to PostgreSQL: in a transaction of their own settings.

Reports are a few large aggregations rather than many small lookups. With the server's
default `work_mem` (4 MB) a year of order lines is sorted on disk (EXPLAIN ANALYZE:
"external merge"); `REPORTS_WORK_MEM` (64 MB) lets the sorts and hash aggregates stay in
memory for that one transaction (SET LOCAL: never the connection's other work). A
`REPORTS_STATEMENT_TIMEOUT` bounds a report that would run away on a huge tenant, so it
cannot hold a web worker and a connection for minutes (the export task has its own).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import OperationalError, connections
from django.utils.translation import gettext as _
from psycopg.errors import QueryCanceled

from dockpulse.errors import DomainError
from dockpulse.tenancy import current_db_alias, tenant_atomic


class ReportTooSlow(DomainError):
    """The report ran past its time limit: the person narrows the filters and asks again."""

    code = "report_too_slow"
    status = 503


# JIT off: compiling a plan costs 40-200 ms (EXPLAIN ANALYZE's "JIT: ... Emission"),
# which a sub-second aggregation never wins back.
_SET = (
    "SELECT set_config('work_mem', %s, true), set_config('statement_timeout', %s, true), "
    "set_config('jit', %s, true), set_config('enable_sort', %s, true)"
)
_READ = (
    "SELECT current_setting('work_mem'), current_setting('statement_timeout'), "
    "current_setting('jit'), current_setting('enable_sort')"
)


@contextmanager
def report_session(*, timeout_ms: int | None = None) -> Iterator[None]:
    """A transaction with the reports' memory and time limits (ORM queries inside it run
    under them too: they use the same connection). A statement cut by the time limit
    becomes ReportTooSlow, a refusal in words instead of a database error.

    Inside an outer transaction the settings would last until that one ends (SET LOCAL
    belongs to the transaction, not to the savepoint): they are put back on the way out.
    A savepoint rolled back by an error takes them back by itself."""
    timeout = settings.REPORTS_STATEMENT_TIMEOUT_MS if timeout_ms is None else timeout_ms
    connection = connections[current_db_alias()]
    outer = connection.in_atomic_block
    try:
        with tenant_atomic(), connection.cursor() as cursor:
            cursor.execute(_READ)
            previous = cursor.fetchone()
            cursor.execute(_SET, [settings.REPORTS_WORK_MEM, str(timeout), "off", "on"])
            yield
            if outer and previous is not None:
                cursor.execute(_SET, list(previous))
    except OperationalError as exc:
        if isinstance(exc.__cause__, QueryCanceled):
            raise ReportTooSlow(
                _("This report took too long. Narrow the range or the filters and try again.")
            ) from exc
        raise


def prefer_hash_aggregation() -> None:
    """For the rest of the report's transaction, aggregate by hashing rather than sorting.

    PostgreSQL keeps no statistics on an expression such as a period of a join's rows, so
    it guesses every row its own group and sorts 300,000 lines to group them; the real
    groups (a product per month) are a few tens of thousands and fit a hash table in
    work_mem: measured 980 -> 490 ms for a year of lines per product (bench/reports.py).
    """
    with connections[current_db_alias()].cursor() as cursor:
        cursor.execute("SELECT set_config('enable_sort', 'off', true)")


def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connections[current_db_alias()].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def stream(sql: str, params: Sequence[Any], *, chunk: int = 5000) -> Iterator[tuple[Any, ...]]:
    """Rows as they come, through a server-side cursor (psycopg's named cursor), so a
    million-row export never sits in memory."""
    connection = connections[current_db_alias()]
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    with raw.cursor(name=f"report_{id(sql):x}") as cursor:
        cursor.itersize = chunk
        cursor.execute(sql, params)
        yield from cursor
