"""Moving demo rows back in time: one UPDATE ... FROM (VALUES ...) per table and batch.

The services stamp what they write with the current time; demo data needs the past 90
days. This is a demo-data shortcut, never a product path: rows are written through the
services first and their timestamps changed afterwards, in the same transaction. The
stock ledger is not touched (its trigger refuses UPDATE; see seeding/through_services.py).
A None value leaves the column as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections

from dockpulse.tenancy import current_db_alias

BATCH = 1000


def retime(table: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]]) -> int:
    """Set `columns` ((name, SQL type), ...) of the rows of `table` whose id is each row's
    first value to the values that follow it; returns how many rows were given."""
    names = ", ".join(name for name, _type in columns)
    assignments = ", ".join(
        f"{name} = COALESCE(v.{name}::{sql_type}, t.{name})" for name, sql_type in columns
    )
    placeholders = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    batch: list[Sequence[Any]] = []
    total = 0

    def flush() -> None:
        if not batch:
            return
        values = ", ".join([placeholders] * len(batch))
        with connections[current_db_alias()].cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS t SET {assignments} FROM (VALUES {values}) AS v(id, {names})"
                " WHERE t.id = v.id::uuid",
                [value for row in batch for value in row],
            )
        batch.clear()

    for row in rows:
        batch.append(row)
        total += 1
        if len(batch) >= BATCH:
            flush()
    flush()
    return total


def execute(sql: str, params: Sequence[Any] = ()) -> int:
    with connections[current_db_alias()].cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)
