"""The ledger's kept figures: units in and out per warehouse, UTC day and reason (`MovementDay`, decision 0023).

The ledger adds one tally row per (warehouse, day, reason) its movements touched, in their transaction, from the
movements as written (their own `created_at`), so the figures commit with the movements. `compact` folds them; the
dashboards read them instead of the movements. Higher floors keep tallies of their own (sales) and register their
compaction here, and the check of their figures with `stock.integrity`, so that the beat task folds and
`check_stock_integrity` verifies every kept figure without this floor knowing theirs.
"""

import datetime as dt
from collections.abc import Callable, Iterable

from django.db.models import Case, Count, IntegerField, QuerySet, Sum, Value, When
from django.db.models.functions import TruncDate

from core import tallies
from stock import integrity, totals
from stock.models import MovementDay, MovementType, StockMovement

UTC = dt.UTC
DAY_KEYS = ("organization_id", "warehouse_id", "day", "reason", "performed_by_id")
DAY_SUMS = ("units_in", "units_out", "movements")
# The names the kept figures' checks are registered under with `stock.integrity`.
KEPT_FIGURE_CHECKS = {"movement_day_figures", "sales_day_figures", "stock_totals"}


# --- Writing --------------------------------------------------------------------------------------------------------


def movement_days_insert(organization_id: int, movements: Iterable[StockMovement]) -> tuple | None:
    """The tally rows of written movements (their `created_at` set) as one `INSERT` (SQL, parameters): one row per
    warehouse, UTC day, reason and performer. The ledger sends it with the movements' own
    (`core.kept_writes.kept_insert(..., along=...)`).
    """
    rows: dict[tuple, list[int]] = {}
    for movement in movements:
        day = movement.created_at.astimezone(UTC).date()
        sums = rows.setdefault((movement.warehouse_id, day, movement.reason, movement.performed_by_id), [0, 0, 0])
        sums[0 if movement.movement_type == MovementType.IN else 1] += movement.quantity
        sums[2] += 1
    return tallies.rows_insert(
        MovementDay,
        DAY_KEYS + DAY_SUMS,
        [(organization_id, *key, *sums) for key, sums in rows.items()],
    )


def compact_movement_days() -> int:
    return tallies.compact(MovementDay, DAY_KEYS, DAY_SUMS)


# --- From the ledger: the backfill and the check --------------------------------------------------------------------


def _signed(movement_type: str) -> Sum:
    only = Case(When(movement_type=movement_type, then="quantity"), default=Value(0), output_field=IntegerField())
    return Sum(only)


def movement_days_from_ledger(organization_id: int | None = None) -> QuerySet:
    """Σ units in and out and the movements per (organization, warehouse, UTC day, reason, performer), computed
    from the movements.
    """
    movements = StockMovement.objects.all()
    if organization_id is not None:
        movements = movements.filter(organization_id=organization_id)
    return (
        movements.order_by()
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values_list("organization_id", "warehouse_id", "day", "reason", "performed_by_id")
        .annotate(units_in=_signed(MovementType.IN), units_out=_signed(MovementType.OUT), movements=Count("pk"))
    )


def rebuild_movement_days(organization_id: int | None = None) -> int:
    """Replace the tallies (of one organization, or all) by one row per key computed from the ledger, in one
    `INSERT ... SELECT ... GROUP BY`; the caller holds the transaction (and keeps writers out).
    """
    kept = MovementDay.objects.all()
    if organization_id is not None:
        kept = kept.filter(organization_id=organization_id)
    kept.delete()
    return tallies.insert_select(MovementDay, (*DAY_KEYS, *DAY_SUMS), movement_days_from_ledger(organization_id))


def movement_day_differences(organization_id: int | None = None) -> list[tallies.Difference]:
    """Every (warehouse, day, reason) whose kept units differ from the ledger's."""
    kept = MovementDay.objects.all()
    if organization_id is not None:
        kept = kept.filter(organization_id=organization_id)
    expected = movement_days_from_ledger(organization_id)
    # The planner cannot tell how many days the timestamps make, takes every movement for a key of its own and, in
    # the default work_mem, sorts them all; the keys they fold into (a few per warehouse and day) hash in this.
    return tallies.differences_in_database("movement day", kept, expected, DAY_KEYS, DAY_SUMS, work_mem="32MB")


# --- Every floor's tallies: their compaction ------------------------------------------------------------------------

_compactions: list[Callable[[], int]] = [compact_movement_days, totals.fold_and_compact]


def register_compaction(compact: Callable[[], int]) -> None:
    """A higher floor adds the compaction of its tallies (once, from its AppConfig.ready); the check of its kept
    figures goes through `stock.integrity`.
    """
    if compact not in _compactions:
        _compactions.append(compact)


def compact_kept_figures() -> int:
    """Fold the tally rows of every kept figure; return how many rows were folded."""
    return sum(compact() for compact in _compactions)


def kept_figure_differences(organization_id: int | None = None) -> list[tallies.Difference]:
    """Every kept figure of every floor that differs from its source rows (what `check_stock_integrity` adds)."""
    return [
        difference
        for name, check in integrity.registered_checks()
        if name in KEPT_FIGURE_CHECKS
        for difference in check(organization_id)
    ]
