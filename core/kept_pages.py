"""A list's page statements kept compiled per request shape, for a list read as it is (decision 0028).

Most reads of a list repeat a few shapes: a front end's first page, in the default order or one column's, or one
warehouse's, one product's. The ORM builds and compiles the same statements for each of them, a large share of
such a request's CPU (bench/README.md, "List pages kept compiled"). `page_rows()`
keeps, per list, organization and shape, the SQL the ORM compiled for the count and for each page slice it was
asked for, and runs only that.

Only a request whose query string names nothing but the page (`page`, `page_size`, `cursor`), `ordering` and the
filters its FilterSet lists as `kept` is kept: those are filters whose statement depends on the value sent only (an id
compared with a column, a choice, a day). The ids its `kept_ids` name (a category, a supplier) must also be of the
caller's organization: each is read through a kept statement (`core.kept.kept_get`), as the filter's own check would
read it, and any other value takes the ORM's path, which answers it. Other filters and searches read the database to
validate or to shape their statement (a `ModelChoiceFilter` checks the id belongs to the caller's organization, the
search reads the matching ids of related rows), so they are built for each request. The key holds everything else a
statement depends on, given by the view (the organization, the day when a figure compares with it), with the ordering,
the kept filters' values and the database alias. Entries hold SQL and parameters, never rows; the store is bounded and
starts afresh beyond its bound.
"""

from collections.abc import Callable, Hashable
from functools import cached_property

from django.db import connections, router
from django.db.models import QuerySet

from core.kept import _Statement, kept_get
from core.tenancy import id_value

PAGE_PARAMETERS = frozenset({"page", "page_size", "cursor"})
KEPT_PARAMETERS = PAGE_PARAMETERS | {"ordering"}
MAX_STATEMENTS = 4096

_statements: dict[tuple, object] = {}
_MISSING = object()


def keeps(request, kept_filters=()) -> bool:
    """Whether this request names no parameter but the page's, the ordering and `kept_filters` (a FilterSet's
    `kept` and `kept_ids`): the first condition for reading its list through kept statements.
    """
    return all(name in KEPT_PARAMETERS or name in kept_filters for name in request.query_params)


class KeptRows:
    """A list's filtered, ordered rows as the paginators take them (`count()`, slicing, `ordered`, `read()`), each
    statement compiled once per key. `build()` gives the `values()` queryset (or `rows(build())` does); it is
    called only when a statement is compiled, so a request whose statements are all kept builds no queryset.
    """

    def __init__(self, key: Hashable, model, build: Callable[[], QuerySet], rows: Callable[[QuerySet], QuerySet]):
        self.alias = router.db_for_read(model)
        self.key = (key, self.alias)
        self._build = build
        self._rows = rows

    @cached_property
    def queryset(self) -> QuerySet:
        return self._build()

    @property
    def ordered(self) -> bool:
        return self._kept(("ordered",), lambda: self.queryset.ordered)

    def count(self) -> int:
        key = (self.key, "count")
        statement = _statements.get(key, _MISSING)
        if statement is _MISSING:
            # Django compiles a count only while running it: the first one is run by the ORM and its statement kept.
            queryset, sent = self.queryset, []
            with connections[self.alias].execute_wrapper(_recorder(sent)):
                found = queryset.count()
            _store(key, sent[-1] if sent else None)  # none sent: the ORM knew it was 0
            return found
        if statement is None:
            return 0
        with connections[self.alias].cursor() as cursor:
            cursor.execute(*statement)
            return cursor.fetchone()[0]

    def __getitem__(self, index: slice) -> list[dict]:
        return self.read(("slice", index.start, index.stop), lambda queryset: self._rows(queryset)[index])

    def read(self, part: Hashable, shape: Callable[[QuerySet], QuerySet]) -> list[dict]:
        """The rows of `shape(queryset)` (a `values()` queryset), its statement kept under `part`."""
        compiled = self._kept(part, lambda: _Statement.compile(shape(self.queryset), self.alias))
        return compiled.run(connections[self.alias])

    def _kept(self, part: Hashable, compile_: Callable):
        key = (self.key, part)
        try:
            return _statements[key]
        except KeyError:
            return _store(key, compile_())


def _store(key: tuple, value):
    if len(_statements) >= MAX_STATEMENTS:
        _statements.clear()
    _statements[key] = value
    return value


def _recorder(sent: list):
    def record(execute, sql, params, many, context):
        sent.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    return record


class CountedRows:
    """A filtered queryset whose page is read as rows by `rows(queryset)`, as Django's paginator takes it (`count()`,
    slicing, `ordered`): the count runs on the queryset itself, without the joins the rows add for their names
    (counting through `.values()` compiled and sent those joins for nothing).
    """

    def __init__(self, queryset, rows):
        self.queryset = queryset
        self.rows = rows
        self.ordered = queryset.ordered

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, index):
        return self.rows(self.queryset)[index]


def page_rows(view, *, key: Hashable, model, rows=None):
    """The rows of `view.filter_queryset(view.get_queryset())` as the paginators take them: a `KeptRows` when the
    request is one the store keeps (`keeps()`), else the queryset (read through `rows`, as `CountedRows` reads it,
    when given). `key` names the list and what its statements depend on besides the query string (the
    organization, the day...); the ordering and the filters' values are added to it.
    """
    request = view.request
    build = lambda: view.filter_queryset(view.get_queryset())  # noqa: E731
    filterset = getattr(view, "filterset_class", None)
    kept_filters, kept_ids = getattr(filterset, "kept", ()), getattr(filterset, "kept_ids", {})
    if keeps(request, (*kept_filters, *kept_ids)) and _ids_found(request, kept_ids):
        named = tuple(sorted((name, tuple(values)) for name, values in request.query_params.lists()))
        shape = (key, tuple(item for item in named if item[0] not in PAGE_PARAMETERS))
        return KeptRows(shape, model, build, rows or _as_is)
    queryset = build()
    return CountedRows(queryset, rows) if rows is not None else queryset


def _ids_found(request, kept_ids: dict) -> bool:
    """Whether every id named for a FilterSet's `kept_ids` is one of the caller's organization's objects, read as
    the filter's own check reads it (its last value) but through a kept statement. Anything else (not an id, no such
    object) takes the ORM's path, whose filter answers it.
    """
    organization_id = request.user.organization_id
    for name, model in kept_ids.items():
        raw = request.query_params.get(name)
        if raw is None:
            continue
        pk = id_value(raw)
        if pk is None:
            return False
        found = kept_get(
            model._default_manager.all(), pk, organization_field="organization", organization_id=organization_id
        )
        if found is None or found is NotImplemented:
            return False
    return True


def _as_is(queryset: QuerySet) -> QuerySet:
    return queryset


def clear() -> None:
    _statements.clear()
