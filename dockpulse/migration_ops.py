"""Migration operations the core offers to the apps.

`TrigramIndexes`: GIN trigram indexes for `icontains` searches, created only where the
server offers the pg_trgm extension. A managed PostgreSQL or Debian's server has it; the
embedded PostgreSQL of `make run` / `make test` (pgserver) does not, and a migration that
required it would stop those from starting. Searches give the same answers either way,
only slower without the index (docs/performance.md, "Search box").

The indexes are not in the models' Meta: Django's state would then claim an index that
may not exist. They are database-only, so makemigrations never sees them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState
from psycopg import sql


def trigram_available(schema_editor: BaseDatabaseSchemaEditor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        return cursor.fetchone() is not None


class TrigramIndexes(migrations.operations.base.Operation):
    """`indexes`: (index name, column, upper) -- `upper` indexes UPPER(column), which is
    what Django's icontains compares; otherwise the column itself (a `contains` lookup)."""

    reversible = True
    reduces_to_sql = False

    def __init__(self, model_name: str, indexes: Sequence[tuple[str, str, bool]]) -> None:
        self.model_name = model_name
        self.indexes: list[tuple[str, str, bool]] = [
            (str(name), str(column), bool(upper)) for name, column, upper in indexes
        ]

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (
            self.__class__.__name__,
            [],
            {"model_name": self.model_name, "indexes": self.indexes},
        )

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass  # database-only: the models' state does not know these indexes

    def _table(self, app_label: str, state: ProjectState, alias: str) -> str | None:
        model = state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(alias, model):
            return None
        return str(model._meta.db_table)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        table = self._table(app_label, to_state, schema_editor.connection.alias)
        if table is None or not trigram_available(schema_editor):
            return
        # Trusted since PostgreSQL 13: the database's owner may create it.
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, column, upper in self.indexes:
            target = sql.SQL("UPPER({})" if upper else "{}").format(sql.Identifier(column))
            statement = sql.SQL(
                "CREATE INDEX IF NOT EXISTS {} ON {} USING gin ({} gin_trgm_ops)"
            ).format(sql.Identifier(name), sql.Identifier(table), target)
            schema_editor.execute(statement.as_string(schema_editor.connection.connection))

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if self._table(app_label, from_state, schema_editor.connection.alias) is None:
            return
        for name, _column, _upper in self.indexes:
            statement = sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(name))
            schema_editor.execute(statement.as_string(schema_editor.connection.connection))

    def describe(self) -> str:
        return f"Trigram search indexes on {self.model_name} (where pg_trgm is available)"
