"""Reads that may go to a read replica, and the database router that sends them there.

With `DATABASE_REPLICA_URL` set, settings add a `replica` database (a PostgreSQL streaming replica of `default`).
Code that only reads and can live with a replica's lag of milliseconds — dashboards, reports, report jobs, exports —
runs inside `replica_reads()`; within it the router answers `replica` for every read. Everything else, and every
write anywhere, goes to `default`. Without a replica configured, `replica_reads()` changes nothing.

The choice is explicit per block of code rather than per model: the same tables (movements, levels) are read on the
hot path of a sale, which must see its own transaction, and by a dashboard, which need not.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

REPLICA_ALIAS = "replica"
T = TypeVar("T")

_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


def replica_configured() -> bool:
    return REPLICA_ALIAS in settings.DATABASES


@contextmanager
def replica_reads() -> Iterator[str]:
    """Send the reads of this block to the replica, when one is configured; yields the alias the reads use.

    Inside a transaction on `default` the reads stay there: a transaction must see its own writes.
    """
    use_replica = replica_configured() and not connections[DEFAULT_DB_ALIAS].in_atomic_block
    token = _reading_from_replica.set(use_replica)
    try:
        yield REPLICA_ALIAS if use_replica else DEFAULT_DB_ALIAS
    finally:
        _reading_from_replica.reset(token)


def replica_iter(iterable: Iterable[T]) -> Iterator[T]:
    """`iterable`, read with `replica_reads()` while it is iterated: for streamed responses, whose queries run
    after the view has returned.
    """
    with replica_reads():
        yield from iterable


def fetch_all(sql: str, params: Sequence = (), **planner: str) -> list[tuple]:
    """The rows of one statement on `default`. On PostgreSQL, the `planner` settings (`enable_indexscan="off"`)
    hold for that statement only: set for the transaction (a savepoint's, inside one), reset after the statement.
    Other databases ignore them.
    """
    planner = planner if connection.vendor == "postgresql" else {}
    with transaction.atomic(), connection.cursor() as cursor:
        for name, value in planner.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        for name in planner:
            cursor.execute(f"RESET {connection.ops.quote_name(name)}")
    return rows


class ReplicaRouter:
    """`settings.DATABASE_ROUTERS`: reads inside `replica_reads()` go to the replica; writes always to `default`."""

    def db_for_read(self, model, **hints):
        return REPLICA_ALIAS if _reading_from_replica.get() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same data: objects read from either may refer to each other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica replays the primary's WAL: nothing is ever migrated on it directly.
        return db == DEFAULT_DB_ALIAS
