"""The sales dashboard's kept figures: per warehouse and UTC day of fulfilment (`SalesDay`), and per variant too
(`SalesVariantDay`), net of returns since (decision 0023).

`sales.services` adds tally rows in the transaction that fulfils an order (+) or takes a return (−), before it
calls the ledger: they are inserts that lock nothing, and a refusal of the ledger rolls them back with the rest.
A return counts against the day its order was fulfilled, as the dashboard does. `compact` folds the rows; the
check compares them with the orders, their lines and the ledger's sale and return movements.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate

from core import tallies
from sales import kept_products
from sales.models import SHIPPED_STATUSES, SalesDay, SalesOrder, SalesOrderItem, SalesOrderStatus, SalesVariantDay
from stock.models import MovementType, Reason, ReferenceType, StockMovement

UTC = dt.UTC
DAY_KEYS = ("organization_id", "warehouse_id", "day", "decided_by_id")
DAY_SUMS = ("orders", "units", "amount", "cost", "fulfilled")
VARIANT_KEYS = ("organization_id", "warehouse_id", "variant_id", "day")
VARIANT_SUMS = ("units", "revenue")
MONEY = DecimalField(max_digits=20, decimal_places=2)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class SoldLine:
    """Units of one line that leave (> 0, fulfilment) or come back (< 0, return), at the line's price and cost."""

    variant_id: int
    units: int
    unit_price: Decimal
    unit_cost: Decimal | None


def add_sales(
    order: SalesOrder, lines: Sequence[SoldLine], *, orders: int, fulfilled_at=None, decided_by_id=None
) -> None:
    """Tally lines of a fulfilled order on its fulfilment day (`fulfilled_at`, else the order's) and by its decider
    (`decided_by_id`, else the order's); `orders`: +1 fulfilled, −1 fully returned, else 0.
    """
    day = (fulfilled_at or order.fulfilled_at).astimezone(UTC).date()
    decided_by_id = decided_by_id or order.decided_by_id
    per_variant: dict[int, list] = {}
    for line in lines:
        sums = per_variant.setdefault(line.variant_id, [0, ZERO])
        sums[0] += line.units
        sums[1] += line.units * line.unit_price
    units = sum(line.units for line in lines)
    amount = sum((line.units * line.unit_price for line in lines), ZERO)
    cost = sum((line.units * (line.unit_cost or ZERO) for line in lines), ZERO)
    fulfilled = 1 if orders > 0 else 0
    row = (order.organization_id, order.warehouse_id, day, decided_by_id, orders, units, amount, cost, fulfilled)
    tallies.add_rows(SalesDay, DAY_KEYS + DAY_SUMS, [row])
    kept_products.add_products(order.organization_id, day, per_variant)  # inserts too: before the upsert's locks
    _add_to_variant_days(order.organization_id, order.warehouse_id, day, per_variant)


def _add_to_variant_days(organization_id: int, warehouse_id: int, day: dt.date, per_variant: dict) -> None:
    """One `INSERT ... ON CONFLICT DO UPDATE` adding to each (warehouse, variant, day) row, in variant order (two
    orders' upserts lock shared rows in one order). Callers run it before the ledger call, whose level locks follow.
    """
    table = connection.ops.quote_name(SalesVariantDay._meta.db_table)
    values, params = [], []
    day = connection.ops.adapt_datefield_value(day)
    for variant_id in sorted(per_variant):
        units, revenue = per_variant[variant_id]
        values.append("(%s, %s, %s, %s, %s, %s)")
        params += [organization_id, warehouse_id, variant_id, day, units, revenue]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (organization_id, warehouse_id, variant_id, day, units, revenue) "
            f"VALUES {', '.join(values)} ON CONFLICT (warehouse_id, variant_id, day) DO UPDATE SET "
            f"units = {table}.units + excluded.units, revenue = {table}.revenue + excluded.revenue",
            params,
        )


def compact() -> int:
    return tallies.compact(SalesDay, DAY_KEYS, DAY_SUMS)


# --- From the source rows: the backfill and the check ---------------------------------------------------------------

_NET_UNITS = ExpressionWrapper(F("quantity") - F("quantity_returned"), output_field=IntegerField())
_NET_AMOUNT = ExpressionWrapper(_NET_UNITS * F("unit_price"), output_field=MONEY)


def _shipped_items(organization_id: int | None) -> QuerySet:
    items = SalesOrderItem.objects.filter(order__status__in=SHIPPED_STATUSES, order__fulfilled_at__isnull=False)
    if organization_id is not None:
        items = items.filter(order__organization_id=organization_id)
    return items.order_by().annotate(
        organization_id=F("order__organization_id"),
        warehouse_id=F("order__warehouse_id"),
        day=TruncDate("order__fulfilled_at", tzinfo=UTC),
    )


def sales_days_from_items(organization_id: int | None = None) -> QuerySet:
    """(organization, warehouse, day, decider, orders, units, amount, cost = 0, fulfilled) from the orders' lines."""
    kept_order = Count("order", distinct=True, filter=~Q(order__status=SalesOrderStatus.RETURNED))
    return (
        _shipped_items(organization_id)
        .annotate(decided_by_id=F("order__decided_by_id"))
        .values_list("organization_id", "warehouse_id", "day", "decided_by_id")
        .annotate(
            orders=kept_order,
            units=Coalesce(Sum(_NET_UNITS), 0),
            amount=Coalesce(Sum(_NET_AMOUNT), Value(ZERO), output_field=MONEY),
            cost=Value(ZERO, output_field=MONEY),
            fulfilled=Count("order", distinct=True),
        )
    )


def sales_costs_from_ledger(organization_id: int | None = None) -> tuple[str, list]:
    """SQL of (organization, warehouse, day, decider, 0, 0, 0, cost, 0): the sale movements' cost less the
    returns', per the day their order was fulfilled and who fulfilled it.

    A join of the movements to their orders by reference (the ledger names its callers by type and id, so there is
    no relation for the ORM to follow; a correlated subquery per movement costs seconds at a million movements).
    """
    day, day_params = connection.ops.datetime_cast_date_sql('o."fulfilled_at"', (), "UTC")
    shipped = ", ".join(["%s"] * len(SHIPPED_STATUSES))
    sql = (
        f'SELECT o."organization_id", o."warehouse_id", {day}, o."decided_by_id", 0, 0, 0, '
        "COALESCE(SUM(CASE WHEN m.movement_type = %s THEN m.quantity * m.unit_cost "
        "ELSE -(m.quantity * m.unit_cost) END), 0), 0 "
        f'FROM "{StockMovement._meta.db_table}" m JOIN "{SalesOrder._meta.db_table}" o ON o."id" = m."reference_id" '
        "WHERE m.reference_type = %s AND ((m.movement_type = %s AND m.reason = %s) "
        f"OR (m.movement_type = %s AND m.reason = %s)) AND o.status IN ({shipped})"
    )
    choices = [MovementType.OUT, ReferenceType.SALES_ORDER, MovementType.OUT, Reason.SALE, MovementType.IN]
    params = [*day_params, *(str(choice) for choice in [*choices, Reason.RETURN, *sorted(SHIPPED_STATUSES)])]
    if organization_id is not None:
        sql += " AND o.organization_id = %s"
        params.append(organization_id)
    return sql + " GROUP BY 1, 2, 3, 4", params


def sales_variant_lines(organization_id: int | None = None) -> QuerySet:
    """(organization, warehouse, variant, day, net units, net revenue) of each shipped line, ungrouped: the check
    adds them up with the kept rows in one grouping (grouped first, every key of the figure would be grouped twice).
    """
    return (
        _shipped_items(organization_id)
        .annotate(units=_NET_UNITS, revenue=_NET_AMOUNT)
        .values_list("organization_id", "warehouse_id", "variant_id", "day", "units", "revenue")
    )


def sales_variant_days_from_items(organization_id: int | None = None) -> QuerySet:
    return (
        _shipped_items(organization_id)
        .values_list("organization_id", "warehouse_id", "variant_id", "day")
        .annotate(
            units=Coalesce(Sum(_NET_UNITS), 0),
            revenue=Coalesce(Sum(_NET_AMOUNT), Value(ZERO), output_field=MONEY),
        )
    )


def rebuild(organization_id: int | None = None) -> int:
    """Replace the tallies (of one organization, or all) by rows computed from the source rows; the caller holds
    the transaction. A day's lines and its ledger costs land as two rows of the same key (the next compaction
    folds them).
    """
    for model in (SalesDay, SalesVariantDay):
        kept = model.objects.all()
        if organization_id is not None:
            kept = kept.filter(organization_id=organization_id)
        kept.delete()
    columns = (*DAY_KEYS, *DAY_SUMS)
    return (
        tallies.insert_select(SalesDay, columns, sales_days_from_items(organization_id))
        + tallies.insert_select(SalesDay, columns, sales_costs_from_ledger(organization_id))
        + tallies.insert_select(
            SalesVariantDay, (*VARIANT_KEYS, *VARIANT_SUMS), sales_variant_days_from_items(organization_id)
        )
        + kept_products.rebuild(organization_id)
    )


def _kept(model, organization_id):
    rows = model.objects.all()
    return rows if organization_id is None else rows.filter(organization_id=organization_id)


def differences(organization_id: int | None = None) -> list[tallies.Difference]:
    """Every kept sales figure that differs from its orders, lines and movements (the integrity check's part): the
    day's lines and its ledger costs are two sources of the same keys, added up in the comparison.
    """
    expected_days = [sales_days_from_items(organization_id), sales_costs_from_ledger(organization_id)]
    return tallies.differences_in_database(
        "sales day", _kept(SalesDay, organization_id), expected_days, DAY_KEYS, DAY_SUMS
    ) + tallies.differences_in_database(
        "sales variant day",
        _kept(SalesVariantDay, organization_id),
        sales_variant_lines(organization_id),
        VARIANT_KEYS,
        VARIANT_SUMS,
    )
