"""Querysets, and their statements, kept between requests: for the hot reads only (decisions 0009 and 0026).

Building and resolving the annotated querysets behind the product list and the movement list is a measurable share
of those requests' CPU, for querysets that depend only on a few arguments (the organization, the warehouses, the
day). `kept_queryset` keeps the one a function builds for its arguments and hands every caller a clone: filter(),
values() and order_by() copy the query, so the kept queryset is never evaluated and no request sees another's rows
or a stale result (a view's class-level `queryset` is shared the same way). Use it only where a benchmark shows it
pays, and only for a function whose result depends on nothing but its (hashable) arguments.

`kept_rows` goes one step further for a `values()` queryset that is read exactly as it is built (the dashboards'
figures): its SQL is compiled once per arguments and database, and each call only runs it, converts the columns as
the ORM would and names them as `values()` would. Compiling a statement of unions and correlated subqueries costs
more than the database's work on it; the SQL is the ORM's own, so no query is written by hand.
"""

import functools
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, get_related_populators

MAX_KEPT = 256
# The ids a statement is compiled with, then replaced by the ids asked for: no table holds a negative id.
_PK_PLACEHOLDER = -(2**62) + 1


def kept_queryset(build: Callable[..., QuerySet]) -> Callable[..., QuerySet]:
    kept = functools.lru_cache(maxsize=MAX_KEPT)(build)

    @functools.wraps(build)
    def clone(*args) -> QuerySet:
        return kept(*args).all()

    clone.cache_clear = kept.cache_clear
    return clone


@dataclass(frozen=True)
class _Statement:
    """A compiled `values()` queryset: its SQL and parameters, its columns' names and expressions."""

    sql: str | None  # None: the ORM found it empty without asking the database (`pk__in=[]`)
    params: tuple
    names: tuple[str, ...]
    columns: tuple
    # {connection: converters}: found once per connection, as they are the same for every row of every call
    converters: weakref.WeakKeyDictionary = field(default_factory=weakref.WeakKeyDictionary, compare=False, repr=False)

    @classmethod
    def compile(cls, queryset: QuerySet, alias: str) -> "_Statement":
        query = queryset.query
        names = tuple(query.selected or (*query.extra_select, *query.values_select, *query.annotation_select))
        compiler = query.get_compiler(using=alias)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return cls(None, (), names, ())
        columns = tuple(select[0] for select in compiler.select[: compiler.col_count])
        return cls(sql, tuple(params), names, columns)

    def run(self, connection) -> list[dict]:
        if self.sql is None:
            return []
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            fetched = cursor.fetchall()
        converters = converters_of(self.converters, self.columns, connection)
        return [dict(zip(self.names, converted(row, converters, connection), strict=True)) for row in fetched]


def converters_of(kept: weakref.WeakKeyDictionary, columns, connection) -> list[tuple[int, object, list]]:
    """`_converters` of these columns on this connection, found once and kept in `kept` ({connection: converters})
    for every later row and call (`core.kept_writes` keeps those of the columns an insert returns the same way).
    """
    found = kept.get(connection)
    if found is None:
        found = kept[connection] = _converters(columns, connection)
    return found


def _converters(columns, connection) -> list[tuple[int, object, list]]:
    """(position, column, converters) of the columns the backend or the field converts, as the ORM's compiler
    finds them (`SQLCompiler.get_converters`), on this connection.
    """
    return [
        (index, column, found)
        for index, column in enumerate(columns)
        if (found := connection.ops.get_db_converters(column) + column.get_db_converters(connection))
    ]


def converted(row: tuple, converters: list, connection) -> tuple | list:
    """A fetched row with its values converted as the ORM converts them (`SQLCompiler.apply_converters`)."""
    if not converters:
        return row
    row = list(row)
    for index, column, found in converters:
        value = row[index]
        for convert in found:
            value = convert(value, column, connection)
        row[index] = value
    return row


def kept_rows(build: Callable[..., QuerySet]) -> Callable[..., list[dict]]:
    """The rows of the `values()` queryset `build(*args)` returns, its statement compiled once per arguments and
    database (the router's choice for the queryset, so a replica block still reads the replica).
    """
    kept = functools.lru_cache(maxsize=MAX_KEPT)(build)

    @functools.lru_cache(maxsize=MAX_KEPT)
    def statement(alias: str, args: tuple) -> _Statement:
        return _Statement.compile(kept(*args), alias)

    @functools.wraps(build)
    def rows(*args) -> list[dict]:
        alias = kept(*args).db
        return statement(alias, args).run(connections[alias])

    def cache_clear() -> None:
        kept.cache_clear()
        statement.cache_clear()

    rows.cache_clear = cache_clear
    return rows


def kept_rows_for_ids(build: Callable[..., QuerySet]) -> Callable[..., list[dict]]:
    """`kept_rows` for a `values()` queryset filtered by a list of integer ids (its last argument, used once in the
    statement, as `field__in=ids`): compiled once per other arguments, number of ids and database, with placeholder
    ids that each call replaces by its own.
    """

    @functools.lru_cache(maxsize=MAX_KEPT)
    def statement(alias: str, args: tuple, count: int) -> tuple[_Statement, tuple[int, ...]]:
        placeholders = tuple(_PK_PLACEHOLDER + index for index in range(count))
        compiled = _Statement.compile(build(*args, placeholders), alias)
        if any(compiled.params.count(placeholder) != 1 for placeholder in placeholders):
            raise ValueError(f"{build.__qualname__}: each id must appear once in its statement")
        positions = tuple(compiled.params.index(placeholder) for placeholder in placeholders)
        return compiled, positions

    @functools.lru_cache(maxsize=MAX_KEPT)
    def model_of(args: tuple):
        return build(*args, (_PK_PLACEHOLDER,)).model

    @functools.wraps(build)
    def rows(*args) -> list[dict]:
        *others, ids = args
        ids = list(ids)
        if not ids:
            return []
        others = tuple(others)
        alias = router.db_for_read(model_of(others))
        compiled, positions = statement(alias, others, len(ids))
        params = list(compiled.params)
        for position, pk in zip(positions, ids, strict=True):
            params[position] = pk
        return replace(compiled, params=tuple(params)).run(connections[alias])

    rows.cache_clear = lambda: (statement.cache_clear(), model_of.cache_clear())
    return rows


# --- One object by id -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lookup:
    """`queryset.filter(pk__in=[...])` of a plain queryset within one organization, compiled for a number of ids:
    the SQL, its parameters with the ids' positions, and what the ORM needs to build the objects (and the ones
    `select_related` joins) from rows.
    """

    sql: str
    params: tuple
    pk_positions: tuple[int, ...]
    select: tuple
    klass_info: dict
    fields: tuple[str, ...]  # the attribute names of the model's own columns, in the order selected
    populators: list  # the ORM's builders of the objects `select_related` joins (they keep no state of a row)
    converters: weakref.WeakKeyDictionary = field(default_factory=weakref.WeakKeyDictionary, compare=False, repr=False)

    def fetch(self, alias: str, pks) -> list:
        connection = connections[alias]
        params = list(self.params)
        for position, pk in zip(self.pk_positions, pks, strict=True):
            params[position] = pk
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if not rows:
            return []
        converters = converters_of(self.converters, [column for column, _sql, _alias in self.select], connection)
        start = self.klass_info["select_fields"][0]
        found = []
        for row in rows:
            row = converted(row, converters, connection)
            instance = self.klass_info["model"].from_db(alias, self.fields, row[start : start + len(self.fields)])
            for populator in self.populators:
                populator.populate(row, instance)
            found.append(instance)
        return found


def kept_get(queryset: QuerySet, pk: int, *, organization_field: str, organization_id: int):
    """`queryset.filter(<organization_field>=organization_id).get(pk=pk)`, or None when there is no such row, from
    a statement compiled once per queryset shape, organization and database (decision 0027). Only for a queryset of
    the model's rows as its manager gives them (`Model.objects.all()`, optionally with `select_related`, `only` or
    `defer`); for anything else (filters, annotations, ordering) it returns `NotImplemented`, and the caller takes
    the ORM's own path.
    """
    return kept_get_by(queryset, organization_field=organization_field, organization_id=organization_id, pk=pk)


def kept_get_by(
    queryset: QuerySet, *, organization_field: str, organization_id: int, conditions: dict | None = None, **ids
):
    """`kept_get` by other integer columns: `queryset.filter(<organization_field>=organization_id, **conditions,
    **ids).first()` (`ids`: integer values of columns that find one row at most, as a unique key does;
    `conditions`: fixed values, part of the statement's shape), or None, or `NotImplemented`.
    """
    lookup = _lookup(queryset, tuple(ids), organization_field, organization_id, conditions)
    if lookup is NotImplemented:
        return NotImplemented
    found = lookup.fetch(queryset.db, list(ids.values()))
    return found[0] if found else None


def kept_in_bulk(queryset: QuerySet, pks, *, organization_field: str, organization_id: int):
    """`queryset.filter(<organization_field>=organization_id).in_bulk(pks)` ({pk: object} of the ids that exist)
    from a statement compiled once per queryset shape, number of ids (at most `MAX_BULK`), organization and
    database; `NotImplemented` where `kept_get` would return it, or for more ids.
    """
    pks = sorted(set(pks))
    if not pks:
        return {}
    if len(pks) > MAX_BULK:
        return NotImplemented
    lookup = _lookup(queryset, len(pks), organization_field, organization_id)
    if lookup is NotImplemented:
        return NotImplemented
    return {instance.pk: instance for instance in lookup.fetch(queryset.db, pks)}


def _lookup(
    queryset: QuerySet, ids: int | tuple[str, ...], organization_field: str, organization_id: int, conditions=None
):
    """The kept statement for `ids`: a number of primary keys (`pk__in`), or the names of columns each compared
    with one id.
    """
    query = queryset.query
    plain = (
        queryset._iterable_class is ModelIterable
        and not (query.where or query.annotations or query.extra or query.distinct or query.is_sliced)
        and not (queryset._prefetch_related_lookups or queryset._known_related_objects)
    )
    if not plain:
        return NotImplemented
    alias = queryset.db
    fixed = tuple(sorted((conditions or {}).items()))
    names, only = query.deferred_loading  # `only()` or `defer()`
    shape = (queryset.model, _frozen(query.select_related), frozenset(names), only)
    key = (*shape, organization_field, organization_id, fixed, alias, ids)
    lookup = _lookups.get(key)
    if lookup is None:
        by_pks = isinstance(ids, int)  # `pk__in` of that many ids; else one row by the named columns
        placeholders = [_PK_PLACEHOLDER + index for index in range(ids if by_pks else len(ids))]
        condition = {"pk__in": placeholders} if by_pks else dict(zip(ids, placeholders, strict=True))
        filtered = queryset.filter(**{organization_field: organization_id, **dict(fixed), **condition})
        compiler = (filtered if by_pks else filtered[:1]).query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        if any(params.count(placeholder) != 1 for placeholder in placeholders):
            return NotImplemented  # a key the ORM converts (not an integer id): not for this helper
        select, klass_info = tuple(compiler.select), compiler.klass_info
        own = select[klass_info["select_fields"][0] : klass_info["select_fields"][-1] + 1]
        fields = tuple(column.target.attname for column, _sql, _alias in own)
        positions = tuple(params.index(placeholder) for placeholder in placeholders)
        if len(_lookups) >= MAX_LOOKUPS:
            _lookups.clear()
        populators = get_related_populators(klass_info, list(select), alias)
        lookup = _lookups[key] = _Lookup(sql, tuple(params), positions, select, klass_info, fields, populators)
    return lookup


MAX_BULK = 100  # ids per kept `in_bulk` statement (one statement per number of ids)
MAX_LOOKUPS = 4096  # (model, joins, organization, database, ids) keys per process; the store starts afresh beyond it
_lookups: dict[tuple, _Lookup] = {}


def _frozen(select_related):
    """`Query.select_related` (False, True or nested dicts of relation names) as a hashable value."""
    if isinstance(select_related, dict):
        return tuple(sorted((name, _frozen(nested)) for name, nested in select_related.items()))
    return select_related
