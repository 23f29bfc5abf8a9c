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
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

MAX_KEPT = 256


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
        converters = [
            (index, column, found)
            for index, column in enumerate(self.columns)
            if (found := connection.ops.get_db_converters(column) + column.get_db_converters(connection))
        ]
        names = self.names
        rows = []
        for row in fetched:
            if converters:
                row = list(row)
                for index, column, found in converters:
                    value = row[index]
                    for convert in found:
                        value = convert(value, column, connection)
                    row[index] = value
            rows.append(dict(zip(names, row, strict=True)))
        return rows


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
