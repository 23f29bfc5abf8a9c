"""Inserts and updates whose statements are compiled once: for the ledger's hot writes only (decision 0031).

Building an `InsertQuery` or `UpdateQuery` and compiling it is most of what the ORM spends on a one-row write,
for SQL that depends only on the model, the columns and the number of rows. `kept_insert` and `kept_update` keep
the statement the ORM's own compiler produced the first time, and on every call only adapt the values as the
compiler does (each field's `pre_save` and `get_db_prep_save`). The first call compares the parameters the ORM
produced with those this module computes (a row's values one after the other, or one array per column as
PostgreSQL's `UNNEST` form of several rows takes them); where they differ (a backend that shapes its parameters
otherwise) the statement is not kept and that shape always takes the ORM's path, and so does a value that is an
expression: the result never depends on this module.

`kept_insert` is `bulk_create` for plain rows (one concrete model, no `ignore_conflicts`): no model signals, the
primary key (and any other column the database returns) set on each object from `RETURNING`.
"""

import dataclasses
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, models, router
from django.db.models.sql import InsertQuery, UpdateQuery

from core.kept import converted, converters_of

MAX_KEPT = 256  # statements per process; the store starts afresh beyond it


@dataclass(frozen=True)
class _Insert:
    sql: str
    fields: tuple  # the model's fields, in the statement's column order
    returning: tuple  # the fields the database returns, in order
    columns: tuple  # and their columns, which the backend's converters take
    by_column: bool  # parameters as one array per column (PostgreSQL's `UNNEST` form of several rows)
    converters: weakref.WeakKeyDictionary = dataclasses.field(
        default_factory=weakref.WeakKeyDictionary, compare=False, repr=False
    )

    def run(self, alias: str, objs: list[models.Model], params: list, along: tuple | None) -> None:
        connection = connections[alias]
        sql = self.sql
        if self.by_column:
            params = _by_column(params, len(self.fields))
        with connection.cursor() as cursor:
            if along is not None and connection.vendor == "postgresql":  # one statement, one round trip
                sql, params = f"WITH along AS ({along[0]}) {sql}", [*along[1], *params]
            elif along is not None:
                cursor.execute(*along)
            cursor.execute(sql, params)
            rows = cursor.fetchall() if self.returning else []
        converters = converters_of(self.converters, self.columns, connection)
        for obj, row in zip(objs, rows, strict=True):
            for field, value in zip(self.returning, converted(row, converters, connection), strict=True):
                setattr(obj, field.attname, value)
        for obj in objs:
            obj._state.adding, obj._state.db = False, alias


def _insert_params(fields, objs, connection) -> list:
    """The values as the insert compiler adapts them (`pre_save` sets `auto_now_add` values on the objects)."""
    return [field.get_db_prep_save(field.pre_save(obj, True), connection) for obj in objs for field in fields]


def _by_column(params: list, width: int) -> list[list]:
    return [params[start::width] for start in range(width)]


_inserts: dict[tuple, _Insert | None] = {}  # None: a shape the ORM compiles otherwise, never kept


def kept_insert(objs: list[models.Model], *, along: Callable[[list], tuple | None] | None = None) -> list:
    """Insert these new objects of one model (no primary key set) in one statement; return them, saved.

    `along(objs)`, called once their values are set (`auto_now_add` included), gives another `INSERT` (SQL and
    parameters, or None) that must commit with them and needs nothing they return: on PostgreSQL it is sent in the
    same statement, as a data-modifying `WITH`, which saves a round trip; elsewhere (and where the ORM's path is
    taken) as a statement of its own, so a caller that sends one runs in a transaction (the ledger does).
    """
    if not objs:
        return objs
    model = type(objs[0])
    opts = model._meta
    if opts.parents or any(type(obj) is not model or obj.pk is not None for obj in objs):
        return _orm_insert(objs, along)
    alias = router.db_for_write(model)
    key = (model, len(objs), alias)
    kept = _inserts.get(key, False)
    if kept is None:
        return _orm_insert(objs, along)
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    fields = tuple(f for f in opts.concrete_fields if not isinstance(f, models.AutoField) and not f.generated)
    params = _insert_params(fields, objs, connections[alias])
    if any(hasattr(value, "resolve_expression") for value in params):  # an expression: the ORM compiles it
        return _orm_insert(objs, along)
    if kept is False:
        kept = _compile_insert(key, fields, objs, params)
        if kept is None:  # the values are set on the objects already (`pre_save`): insert them as they are
            return _orm_insert(objs, along)
    kept.run(alias, objs, params, along(objs) if along else None)
    return objs


def _orm_insert(objs: list[models.Model], along) -> list[models.Model]:
    created = type(objs[0]).objects.bulk_create(objs)
    statement = along(created) if along else None
    if statement is not None:
        with connections[router.db_for_write(type(objs[0]))].cursor() as cursor:
            cursor.execute(*statement)
    return created


def _compile_insert(key, fields, objs, params) -> _Insert | None:
    model, _, alias = key
    connection = connections[alias]
    returning = tuple(model._meta.db_returning_fields)
    query = InsertQuery(model)
    query.insert_values(fields, objs, raw=True)  # raw: the values `pre_save` gave, not new ones
    compiler = query.get_compiler(using=alias)
    compiler.returning_fields = list(returning)
    [(sql, compiled)] = compiler.as_sql()
    shaped = returning and not connection.features.can_return_rows_from_bulk_insert
    by_column = not shaped and len(objs) > 1 and list(compiled) == _by_column(params, len(fields))
    same = not shaped and (by_column or list(compiled) == params)
    columns = tuple(field.get_col(model._meta.db_table) for field in returning)
    kept = _Insert(sql, fields, returning, columns, by_column) if same else None
    _remember(_inserts, key, kept)
    return kept


@dataclass(frozen=True)
class _Update:
    sql: str
    fields: tuple

    def run(self, alias: str, pk, values: dict) -> int:
        connection = connections[alias]
        params = _update_params(self.fields, values, connection)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [*params, pk])
            return cursor.rowcount


def _update_params(fields, values: dict, connection) -> list:
    """The values as the update compiler adapts them (a related object becomes its key)."""
    params = []
    for field, value in zip(fields, values.values(), strict=True):
        if field.remote_field and hasattr(value, "prepare_database_save"):
            value = value.prepare_database_save(field)
        params.append(field.get_db_prep_save(value, connection))
    return params


_updates: dict[tuple, _Update | None] = {}


def kept_update(model: type[models.Model], pk: int, **values) -> int:
    """`model.objects.filter(pk=pk).update(**values)` for plain values of concrete fields (no expressions): the
    number of rows changed.
    """
    if any(hasattr(value, "resolve_expression") for value in values.values()):  # the ORM compiles it
        return model.objects.filter(pk=pk).update(**values)
    alias = router.db_for_write(model)
    key = (model, tuple(values), alias)
    kept = _updates.get(key, False)
    if kept is False:
        kept = _compile_update(key, pk, values)
    if kept is None:
        return model.objects.filter(pk=pk).update(**values)
    return kept.run(alias, pk, values)


def _compile_update(key, pk, values) -> _Update | None:
    model, names, alias = key
    connection = connections[alias]
    fields = tuple(model._meta.get_field(name) for name in names)
    plain = all(field.concrete and not field.many_to_many for field in fields) and isinstance(pk, int)
    kept = None
    if plain:
        query = UpdateQuery(model)
        query.add_update_values(values)
        query.add_filter("pk", pk)
        sql, params = query.get_compiler(using=alias).as_sql()
        if list(params) == [*_update_params(fields, values, connection), pk]:
            kept = _Update(sql, fields)
    _remember(_updates, key, kept)
    return kept


def _remember(store: dict, key, value) -> None:
    if len(store) >= MAX_KEPT:
        store.clear()
    store[key] = value
