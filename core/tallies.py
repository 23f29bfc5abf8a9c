"""Insert-only tallies: figures kept as partial sums, added by writers without locks and folded later.

A tally table holds any number of rows per key (say warehouse and day); the figure of a key is the sum of its rows.
A writer adds a row in the transaction that changes what the figure counts, so the figure commits with the change
and is never stale; since it only inserts, it waits for nobody. `compact` folds the rows of a key into one, in one
transaction, so readers see either the rows or their sum, never both or neither (decision 0023).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, models, transaction
from django.db.models import Count, QuerySet

from core.db import fetch_all

# Keys folded per call: a call stays a short transaction whatever the backlog (the task calls again).
COMPACT_KEYS = 2000


def compact(
    model: type[models.Model],
    keys: Sequence[str],
    sums: Sequence[str],
    *,
    limit: int = COMPACT_KEYS,
    lock_by: str | Sequence[str] = "day",
    folded: str | None = None,
) -> int:
    """Fold the rows of up to `limit` keys that have several into one row each; return how many rows went.

    `keys` are column names (`warehouse_id`, ...), among them `lock_by` (one or more): the rows are locked by their
    values. `folded` names a boolean field set on the rows a compaction writes: then the keys folded are those with
    a row not folded yet (the writers' new rows, found through a partial index), even a single one.

    The rows are locked (`FOR UPDATE SKIP LOCKED`: two compactions never fold the same row), summed, deleted and
    replaced by their sum. Rows a writer has not committed yet are invisible here and stay as they are.
    """
    if folded is None:
        crowded = model.objects.order_by().values(*keys).annotate(rows=Count("pk")).filter(rows__gt=1)
    else:
        crowded = model.objects.filter(**{folded: False}).order_by().values(*keys).distinct()
    wanted = {tuple(key) for key in crowded.values_list(*keys)[:limit]}
    if not wanted:
        return 0
    lock_by = [lock_by] if isinstance(lock_by, str) else list(lock_by)
    locks = {f"{name}__in": {key[list(keys).index(name)] for key in wanted} for name in lock_by}
    folded_rows = {folded: True} if folded else {}
    with transaction.atomic():
        candidates = (
            model.objects.select_for_update(skip_locked=True).filter(**locks).order_by("pk").values("pk", *keys, *sums)
        )
        groups: dict[tuple, list[dict]] = {}
        for row in candidates:
            key = tuple(row[name] for name in keys)
            if key in wanted:
                groups.setdefault(key, []).append(row)
        merged, gone = [], []
        for key, rows in groups.items():
            if len(rows) < 2 and not folded:
                continue
            gone.extend(row["pk"] for row in rows)
            totals = {name: sum(row[name] for row in rows) for name in sums}
            if any(totals.values()):  # a key that nets out to nothing (a sale fully returned) needs no row
                merged.append(model(**dict(zip(keys, key, strict=True)), **totals, **folded_rows))
        if gone:
            model.objects.filter(pk__in=gone).delete()
            model.objects.bulk_create(merged)
    return len(gone)


def add_rows(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Insert tally rows in one plain `INSERT ... VALUES` (what `bulk_create` would send, without building and
    compiling model instances: it runs inside the writers' locked sections). Values are adapted as the fields do.
    """
    statement = rows_insert(model, columns, rows)
    if statement is not None:
        with connection.cursor() as cursor:
            cursor.execute(*statement)


def rows_insert(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence]) -> tuple | None:
    """The `INSERT ... VALUES` of `add_rows` as (SQL, parameters), to send alone or with another statement
    (`core.kept_writes.kept_insert(..., along=...)`); None for no rows.
    """
    if not rows:
        return None
    fields = [model._meta.get_field(name) for name in columns]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = [
        field.get_db_prep_save(value, connection) for row in rows for field, value in zip(fields, row, strict=True)
    ]
    return f"INSERT INTO {table} ({names}) VALUES {', '.join([placeholders] * len(rows))}", params


def insert_select(
    model: type[models.Model], columns: Sequence[str], select: models.QuerySet | tuple[str, Sequence]
) -> int:
    """`INSERT INTO model (columns) SELECT ...`: the select's columns in that order (a queryset, or SQL and its
    parameters), in one statement.
    """
    sql, params = select if isinstance(select, tuple) else select.query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) {sql}", params)
        return cursor.rowcount


@dataclass(frozen=True)
class Difference:
    """A kept figure that is not what its source rows add up to (`None`: no row on that side)."""

    figure: str
    key: tuple
    kept: tuple | None
    expected: tuple | None

    def __str__(self) -> str:
        return f"Kept {self.figure} {self.key}: kept {self.kept}, the source rows give {self.expected}."


# What the database compares: a queryset, or SQL and its parameters.
Source = QuerySet | tuple[str, Sequence]
# Keys reported per figure: a figure rebuilt wrong would otherwise come back whole.
DIFFERENCES_LIMIT = 100


def differences_in_database(
    figure: str,
    kept: QuerySet,
    expected: Source | list[Source],
    key_names: Sequence[str],
    sum_names: Sequence[str],
    *,
    limit: int = DIFFERENCES_LIMIT,
    **planner: str,
) -> list[Difference]:
    """The keys (the first `limit`) whose kept rows do not add up to what `expected` adds up to, found by one
    statement: only those keys leave the database, so the check's memory does not grow with the figure.

    `kept` is a queryset of the kept model, its rows taken as they are (several rows of a key add up); `expected`
    one or more sources of rows with the same columns in the same order (`key_names`, then `sum_names`), grouped or
    not. Both sides' rows are stacked (`UNION ALL`) and summed per key (`GROUP BY`, under which NULL keys are
    equal): PostgreSQL and SQLite both run it, and a key missing on one side counts as zeros there. Money is
    compared exactly (to its places on SQLite, which sums decimals as floats). Values come back as the kept
    model's fields hold them, the differences ordered by the text of their keys. `planner`: PostgreSQL settings for
    the statement (`core.db.fetch_all`).
    """
    sources = [kept.order_by().values_list(*key_names, *sum_names)]
    sources += expected if isinstance(expected, list) else [expected]
    key_fields = [kept.model._meta.get_field(name) for name in key_names]
    sum_fields = [kept.model._meta.get_field(name) for name in sum_names]
    rows = fetch_all(*_comparison_sql(sources, len(key_fields), sum_fields, limit), **planner)
    keys, sums = len(key_fields), len(sum_fields)
    found = []
    for row in rows:
        kept_sums = _as_held(sum_fields, row[keys : keys + sums])
        expected_sums = _as_held(sum_fields, row[keys + sums : keys + 2 * sums])
        kept_rows, expected_rows = row[-2:]
        found.append(
            Difference(
                figure,
                _as_held(key_fields, row[:keys]),
                kept_sums if kept_rows else None,
                expected_sums if expected_rows else None,
            )
        )
    return sorted(found, key=lambda difference: str(difference.key))


def _comparison_sql(sources: list[Source], keys: int, sum_fields: list, limit: int) -> tuple[str, list]:
    """`WITH side0 (k0, ..., s0, ...) AS (kept), side1 AS (expected), ... SELECT keys, Σ kept, Σ expected, kept
    rows, expected rows FROM (the sides stacked) GROUP BY keys HAVING some sum differs ORDER BY keys LIMIT limit`.
    """
    key_columns = [f"k{index}" for index in range(keys)]
    sum_columns = [f"s{index}" for index in range(len(sum_fields))]
    named, stacked, params = [], [], []
    for index, source in enumerate(sources):
        sql, source_params = source.query.sql_with_params() if isinstance(source, QuerySet) else source
        named.append(f"side{index} ({', '.join(key_columns + sum_columns)}) AS ({sql})")
        params += list(source_params)
        zeros = ["0"] * len(sum_columns)
        kept, expected = (sum_columns, zeros) if index == 0 else (zeros, sum_columns)
        columns = [
            *key_columns,
            *(f"{value} AS kept_{column}" for value, column in zip(kept, sum_columns, strict=True)),
            *(f"{value} AS expected_{column}" for value, column in zip(expected, sum_columns, strict=True)),
            f"{1 if index == 0 else 0} AS kept_rows",
            f"{0 if index == 0 else 1} AS expected_rows",
        ]
        stacked.append(f"SELECT {', '.join(columns)} FROM side{index}")
    differs = []
    for column, field in zip(sum_columns, sum_fields, strict=True):
        kept_sum, expected_sum = f"COALESCE(SUM(kept_{column}), 0)", f"COALESCE(SUM(expected_{column}), 0)"
        if connection.vendor == "sqlite" and isinstance(field, models.DecimalField):
            kept_sum = f"ROUND({kept_sum}, {field.decimal_places})"
            expected_sum = f"ROUND({expected_sum}, {field.decimal_places})"
        differs.append(f"{kept_sum} <> {expected_sum}")
    keys_sql = ", ".join(key_columns)
    sums_sql = ", ".join(f"SUM({side}_{column})" for side in ("kept", "expected") for column in sum_columns)
    sql = (
        f"WITH {', '.join(named)} SELECT {keys_sql}, {sums_sql}, SUM(kept_rows), SUM(expected_rows) "
        f"FROM ({' UNION ALL '.join(stacked)}) AS stacked GROUP BY {keys_sql} HAVING {' OR '.join(differs)} "
        f"ORDER BY {keys_sql} LIMIT {int(limit)}"
    )
    return sql, params


def _as_held(fields: Sequence[models.Field], values: Sequence) -> tuple:
    """Values from the database as the fields hold them: SQLite answers text days and float sums, PostgreSQL
    numeric sums of bigints.
    """
    held = []
    for field, value in zip(fields, values, strict=True):
        value = None if value is None else field.to_python(value)
        if isinstance(field, models.DecimalField) and value is not None:
            value = value.quantize(Decimal(1).scaleb(-field.decimal_places))
        held.append(value)
    return tuple(held)
