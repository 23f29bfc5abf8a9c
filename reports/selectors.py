"""Reads behind the stock-movement report: the period, the scoped movement queryset and its aggregates.

Every figure is computed in the database; the movement rows are read as plain tuples through a server-side
iterator, so a report over a busy month never holds its rows (or model instances) in memory.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import CharField, Count, Max, Q, QuerySet, Sum
from django.db.models.functions import Cast, Coalesce, TruncDate

from core.dates import DayRange
from core.permissions import ensure_warehouse_access, warehouse_ids_of
from core.roles import Role
from stock.models import MovementType, StockMovement
from warehouses.models import Warehouse

UTC = dt.UTC
ROW_CHUNK_SIZE = 2000


class Period:
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    CHOICES = (DAILY, WEEKLY, MONTHLY)
    CUSTOM = "custom"  # any other range of days (report jobs)


@dataclass(frozen=True)
class ReportPeriod(DayRange):
    """The days a report covers, and which kind of period they are (`Period`)."""

    kind: str = Period.CUSTOM


def report_period(*, kind: str, on: dt.date) -> ReportPeriod:
    """The day, ISO week (Monday to Sunday) or calendar month containing `on`.

    Raises ValueError for an unknown kind and OverflowError at the edges of the calendar.
    """
    if kind == Period.DAILY:
        start = end = on
    elif kind == Period.WEEKLY:
        start = on - dt.timedelta(days=on.weekday())
        end = start + dt.timedelta(days=6)
    elif kind == Period.MONTHLY:
        start = on.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    else:
        raise ValueError(f"Unknown period {kind!r}.")
    # The exclusive end bound must exist too (9999-12-31 has no next day).
    dt.datetime.combine(end, dt.time.min) + dt.timedelta(days=1)
    return ReportPeriod(kind=kind, start=start, end=end)


def report_period_between(*, start: dt.date, end: dt.date) -> ReportPeriod:
    """The inclusive range `start`..`end`, named as the day, week or month it is when it is exactly one (so a job
    over a calendar month makes the same file as the synchronous monthly report), else a `custom` period.
    """
    for kind in Period.CHOICES:
        try:
            period = report_period(kind=kind, on=start)
        except OverflowError:
            continue
        if (period.start, period.end) == (start, end):
            return period
    return ReportPeriod(kind=Period.CUSTOM, start=start, end=end)


@dataclass(frozen=True)
class ReportScope:
    """What a report covers: one organization, a period, and the warehouses and filters asked for.

    `warehouses` is None for "every warehouse of the organization"; otherwise the warehouses the report is limited
    to (the one asked for, or a manager's own).
    """

    organization_id: int
    organization_name: str
    period: ReportPeriod
    warehouses: tuple[Warehouse, ...] | None = None
    warehouse_explicit: bool = False
    variant: object | None = None
    product: object | None = None
    reason: str | None = None

    @property
    def warehouse_ids(self) -> list[int] | None:
        return None if self.warehouses is None else [warehouse.pk for warehouse in self.warehouses]

    def filter_lines(self) -> list[tuple[str, str]]:
        """The filters applied, as (label, value) pairs a reader understands."""
        if self.warehouses is None:
            warehouses = "All warehouses"
        elif not self.warehouses:
            warehouses = "None (no warehouse is assigned to you)"
        else:
            warehouses = ", ".join(f"{w.name} ({w.code})" for w in self.warehouses)
            if not self.warehouse_explicit:
                warehouses += " (your warehouses)"
        lines = [("Warehouses", warehouses)]
        if self.product is not None:
            lines.append(("Product", self.product.name))
        if self.variant is not None:
            lines.append(("Variant", self.variant.sku))
        if self.reason:
            lines.append(("Reason", self.reason))
        return lines


def report_scope_for(
    *,
    user,
    period: ReportPeriod,
    warehouse: Warehouse | None = None,
    variant=None,
    product=None,
    reason: str | None = None,
) -> ReportScope:
    """The scope a user may see: admins every warehouse, managers their own.

    Raises NotPermitted (403) when a manager asks for a warehouse that is not theirs.
    """
    if warehouse is not None:
        ensure_warehouse_access(user, [warehouse])
        warehouses = (warehouse,)
    elif user.role == Role.ADMIN:
        warehouses = None
    else:
        own = warehouse_ids_of(user)
        warehouses = tuple(Warehouse.objects.filter(organization_id=user.organization_id, pk__in=own))
    return ReportScope(
        organization_id=user.organization_id,
        organization_name=user.organization.name,
        period=period,
        warehouses=warehouses,
        warehouse_explicit=warehouse is not None,
        variant=variant,
        product=product,
        reason=reason or None,
    )


def stock_movement_report_queryset(*, scope: ReportScope) -> QuerySet[StockMovement]:
    """The movements in the scope, oldest first (ties broken by id, the order they were written in)."""
    queryset = StockMovement.objects.filter(
        organization_id=scope.organization_id,
        created_at__gte=scope.period.start_at,
        created_at__lt=scope.period.end_before,
    )
    if scope.warehouse_ids is not None:
        queryset = queryset.filter(warehouse_id__in=scope.warehouse_ids)
    if scope.variant is not None:
        queryset = queryset.filter(variant_id=scope.variant.pk)
    if scope.product is not None:
        queryset = queryset.filter(variant__product_id=scope.product.pk)
    if scope.reason:
        queryset = queryset.filter(reason=scope.reason)
    return queryset.order_by("created_at", "id")


# The columns of a movement row, in order. Renderers index rows by these positions.
ROW_FIELDS = (
    "id",
    "created_at",
    "variant__sku",
    "variant__product__name",
    "warehouse__name",
    "warehouse__code",
    "movement_type",
    "reason",
    "quantity",
    "balance_after",
    "unit_cost",
    "reference_type",
    "reference_id",
    "performed_by__username",
)


def stock_movement_report_rows(*, scope: ReportScope) -> Iterator[tuple]:
    """Every movement of the scope as a tuple of ROW_FIELDS, streamed from the database in chunks.

    `created_at` comes as the database's UTC text, not a datetime: turning a hundred thousand timestamps into aware
    datetimes costs more than the query. Its first 16 characters are `YYYY-MM-DD HH:MM` on every backend; use
    `utc_text_to_iso` for the full value.
    """
    columns = [Cast("created_at", CharField()) if name == "created_at" else name for name in ROW_FIELDS]
    queryset = stock_movement_report_queryset(scope=scope).values_list(*columns)
    return queryset.iterator(chunk_size=ROW_CHUNK_SIZE)


def utc_text_to_iso(text: str) -> str:
    """`2025-03-14 12:30:00.5+00` (PostgreSQL, session in UTC) or `2025-03-14 12:30:00.500000` (SQLite) →
    `2025-03-14T12:30:00.500000+00:00`, what `datetime.isoformat()` and the API give.
    """
    fraction = ""
    if text[19:20] == ".":
        digits = text[20:].partition("+")[0]
        fraction = "." + digits.ljust(6, "0")
    return f"{text[:10]}T{text[11:19]}{fraction}+00:00"


def _in_out():
    return {
        "units_in": Coalesce(Sum("quantity", filter=Q(movement_type=MovementType.IN)), 0),
        "units_out": Coalesce(Sum("quantity", filter=Q(movement_type=MovementType.OUT)), 0),
    }


def stock_movement_report_totals(*, scope: ReportScope) -> dict:
    """`{movements, units_in, units_out, net}` over the scope."""
    totals = stock_movement_report_queryset(scope=scope).order_by().aggregate(movements=Count("id"), **_in_out())
    totals["net"] = totals["units_in"] - totals["units_out"]
    return totals


def stock_movement_report_by_variant(*, scope: ReportScope) -> list[dict]:
    """One row per variant moved in the scope: `{product_name, sku, units_in, units_out, net}`, by product."""
    rows = (
        stock_movement_report_queryset(scope=scope)
        .order_by()
        .values("variant_id")
        .annotate(
            # Constant within a variant; Max() keeps the GROUP BY on the variant alone.
            product_name=Max("variant__product__name"),
            sku=Max("variant__sku"),
            **_in_out(),
        )
        .order_by("product_name", "sku")
    )
    return [{**row, "net": row["units_in"] - row["units_out"]} for row in rows]


def stock_movement_report_by_day(*, scope: ReportScope) -> list[dict]:
    """`{date, units_in, units_out}` for every day of the period, days without movement as zeros."""
    rows = (
        stock_movement_report_queryset(scope=scope)
        .order_by()
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day")
        .annotate(**_in_out())
    )
    by_day = {_as_date(row["day"]): row for row in rows}
    return [
        {
            "date": day,
            "units_in": by_day.get(day, {}).get("units_in", 0),
            "units_out": by_day.get(day, {}).get("units_out", 0),
        }
        for day in scope.period.days()
    ]


def _as_date(value) -> dt.date:
    # SQLite hands TruncDate back as a string on some paths.
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
