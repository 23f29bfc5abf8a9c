"""Migration operations for PostgreSQL-only indexes that must be built on a live database.

`CreateTrigramIndex` builds a `pg_trgm` GIN index on `UPPER(column)` (which serves `icontains`, what `?search=`
runs) with `CREATE INDEX CONCURRENTLY`, so a big table stays writable while it is built; migrations using it set
`atomic = False`. It enables the extension first. On any other database (SQLite, the default) it does nothing. It
changes no model state: the index is a database detail that the models (and the test database, built from them)
do without.
"""

from django.contrib.postgres import operations as postgres_operations
from django.db import router
from django.db.migrations import AddIndex
from django.db.migrations.operations.base import Operation


class CreateTrigramIndex(Operation):
    reversible = True
    atomic = False

    def __init__(self, *, table: str, column: str, name: str):
        self.table, self.column, self.name = table, column, name

    def deconstruct(self):
        return self.__class__.__name__, [], {"table": self.table, "column": self.column, "name": self.name}

    def state_forwards(self, app_label, state):
        pass

    def _applies(self, app_label, schema_editor) -> bool:
        connection = schema_editor.connection
        return connection.vendor == "postgresql" and router.allow_migrate(connection.alias, app_label)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not self._applies(app_label, schema_editor):
            return
        quote = schema_editor.quote_name
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        # Django's `icontains` on PostgreSQL is `UPPER(column::text) LIKE UPPER('%term%')`: the index is on that
        # expression (an index on the bare column serves only ILIKE).
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {quote(self.name)} "
            f"ON {quote(self.table)} USING gin ((UPPER({quote(self.column)}::text)) gin_trgm_ops)"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if self._applies(app_label, schema_editor):
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(self.name)}")

    def describe(self):
        return f"Create trigram index {self.name} on {self.table}.{self.column} (PostgreSQL)"

    @property
    def migration_name_fragment(self):
        return self.name


class AddIndexConcurrently(postgres_operations.AddIndexConcurrently):
    """Django's `AddIndexConcurrently` (a model's `Meta.indexes` entry built without locking out writes; the
    migration sets `atomic = False`), which on other databases (SQLite) adds the index the ordinary way.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
