"""Insert-only tallies: figures kept as partial sums, added by writers without locks and folded later.

A tally table holds any number of rows per key (say warehouse and day); the figure of a key is the sum of its rows.
A writer adds a row in the transaction that changes what the figure counts, so the figure commits with the change
and is never stale; since it only inserts, it waits for nobody. `compact` folds the rows of a key into one, in one
transaction, so readers see either the rows or their sum, never both or neither (decision 0023).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, models, transaction
from django.db.models import Count

from core.formats import CENT

# Keys folded per call: a call stays a short transaction whatever the backlog (the task calls again).
COMPACT_KEYS = 2000


def compact(
    model: type[models.Model],
    keys: Sequence[str],
    sums: Sequence[str],
    *,
    limit: int = COMPACT_KEYS,
    lock_by: str = "day",
) -> int:
    """Fold the rows of up to `limit` keys that have several into one row each; return how many rows went.

    `keys` are column names (`warehouse_id`, ...), among them `lock_by`: the rows are locked by its values.

    The rows are locked (`FOR UPDATE SKIP LOCKED`: two compactions never fold the same row), summed, deleted and
    replaced by their sum. Rows a writer has not committed yet are invisible here and stay as they are.
    """
    crowded = (
        model.objects.order_by().values(*keys).annotate(rows=Count("pk")).filter(rows__gt=1).values_list(*keys)[:limit]
    )
    wanted = {tuple(key) for key in crowded}
    if not wanted:
        return 0
    lock_at = list(keys).index(lock_by)
    folded = 0
    with transaction.atomic():
        candidates = (
            model.objects.select_for_update(skip_locked=True)
            .filter(**{f"{lock_by}__in": {key[lock_at] for key in wanted}})
            .order_by("pk")
            .values("pk", *keys, *sums)
        )
        groups: dict[tuple, list[dict]] = {}
        for row in candidates:
            key = tuple(row[name] for name in keys)
            if key in wanted:
                groups.setdefault(key, []).append(row)
        merged, gone = [], []
        for key, rows in groups.items():
            if len(rows) < 2:
                continue
            gone.extend(row["pk"] for row in rows)
            totals = {name: sum(row[name] for row in rows) for name in sums}
            if any(totals.values()):  # a key that nets out to nothing (a sale fully returned) needs no row
                merged.append(model(**dict(zip(keys, key, strict=True)), **totals))
        if gone:
            model.objects.filter(pk__in=gone).delete()
            model.objects.bulk_create(merged)
            folded = len(gone)
    return folded


def add_rows(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Insert tally rows in one plain `INSERT ... VALUES` (what `bulk_create` would send, without building and
    compiling model instances: it runs inside the writers' locked sections). Values are adapted as the fields do.
    """
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in columns]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = [
        field.get_db_prep_save(value, connection) for row in rows for field, value in zip(fields, row, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) VALUES {', '.join([placeholders] * len(rows))}", params)


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


def differences(figure: str, kept: Iterable[tuple], expected: Iterable[tuple], key_length: int) -> list[Difference]:
    """Compare two sets of (key..., sums...) rows; a key missing on one side counts as zeros there."""

    def by_key(rows):
        return {tuple(row[:key_length]): tuple(row[key_length:]) for row in rows}

    kept_rows, expected_rows = by_key(kept), by_key(expected)
    found = []
    for key in sorted(kept_rows.keys() | expected_rows.keys(), key=str):
        have, want = kept_rows.get(key), expected_rows.get(key)
        if _zeros(have) != _zeros(want):
            found.append(Difference(figure, key, have, want))
    return found


def _zeros(sums: tuple | None) -> tuple | None:
    if sums is None:
        return None
    sums = tuple(_cents(value) for value in sums)
    return None if not any(sums) else sums


def _cents(value):
    # Money is kept to the cent; SQLite sums decimals as floats (a zero may come back as 2.2e-16).
    return Decimal(value).quantize(CENT) if isinstance(value, Decimal | float) else value
