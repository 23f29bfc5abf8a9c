"""The top products' kept figure: units and revenue per product and UTC day, and per product and ISO week
(`SalesProductPeriod`, decision 0025), net of returns since.

`sales.kept.add_sales` adds a day row and a week row per product an order's lines touched, in the transaction that
fulfils the order (+) or takes a return (−), on the order's fulfilment day, as it adds the variant days. A range
reads its whole weeks as week rows and its other days as day rows (`covering_periods`), so a month reads about one
row per product and week instead of one per variant, warehouse and day.

The rows are tallies that lock nothing. `compact` folds the rows of every key that has new ones into one row marked
`folded`: it looks only at the rows added since (a partial index holds them), so its cost follows the sales of the
last minute, not the history.
"""

import datetime as dt
from collections.abc import Callable

from django.db import connection
from django.db.models import DateField, F, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Round, Trunc, TruncDate

from catalog.models import Variant
from core import tallies
from core.dates import DayRange
from sales.models import SHIPPED_STATUSES, ProductPeriod, SalesOrderItem, SalesProductPeriod

UTC = dt.UTC
KEYS = ("organization_id", "product_id", "days", "start")
SUMS = ("units", "revenue_cents")


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


# --- Writing --------------------------------------------------------------------------------------------------------


def add_products(organization_id: int, day: dt.date, per_variant: dict[int, list]) -> None:
    """Add the day's and the week's row of each product among `per_variant` ({variant id: [units, revenue]}), in one
    `INSERT ... SELECT` that reads the variants' products itself (no round trip to read them first).
    """
    variant_ids = sorted(per_variant)
    cases = " ".join(["WHEN %s THEN %s"] * len(variant_ids))
    units = [value for pk in variant_ids for value in (pk, per_variant[pk][0])]
    cents = [value for pk in variant_ids for value in (pk, int(per_variant[pk][1] * 100))]
    ops = connection.ops
    periods = [ProductPeriod.DAY.value, ops.adapt_datefield_value(day)]
    periods += [ProductPeriod.WEEK.value, ops.adapt_datefield_value(monday_of(day))]
    table = ops.quote_name(SalesProductPeriod._meta.db_table)
    sql = (
        f"INSERT INTO {table} (organization_id, product_id, days, start, units, revenue_cents) "
        f"SELECT %s, v.product_id, p.days, p.start, SUM(CASE v.id {cases} END), SUM(CASE v.id {cases} END) "
        f"FROM {ops.quote_name(Variant._meta.db_table)} v "
        "CROSS JOIN (SELECT %s AS days, %s AS start UNION ALL SELECT %s, %s) p "
        f"WHERE v.id IN ({', '.join(['%s'] * len(variant_ids))}) GROUP BY v.product_id, p.days, p.start"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [organization_id, *units, *cents, *periods, *variant_ids])


def compact(limit: int = tallies.COMPACT_KEYS) -> int:
    """Fold the rows of up to `limit` keys that have new rows into one folded row each; return how many rows went
    (`core.tallies.compact`: the rows are locked by their whole key, the period's index range with the product).
    """
    locks = ("organization_id", "days", "start", "product_id")
    return tallies.compact(SalesProductPeriod, KEYS, SUMS, limit=limit, lock_by=locks, folded="folded")


# --- Reading --------------------------------------------------------------------------------------------------------


def covering_periods(days: DayRange) -> list[tuple[int, dt.date, dt.date]]:
    """(period, first start, last start) of the rows that add up to the range exactly: the ISO weeks that lie
    wholly inside it, and its other days.
    """
    start, end = days.start.toordinal(), days.end.toordinal()
    first_monday = start + (1 - start) % 7  # day 1 of the proleptic calendar is a Monday
    last_sunday = end - end % 7
    if first_monday + 6 > last_sunday:
        return [_periods(ProductPeriod.DAY, start, end)]
    periods = [_periods(ProductPeriod.WEEK, first_monday, last_sunday - 6)]
    if start < first_monday:
        periods.append(_periods(ProductPeriod.DAY, start, first_monday - 1))
    if last_sunday < end:
        periods.append(_periods(ProductPeriod.DAY, last_sunday + 1, end))
    return periods


def _periods(period: int, first: int, last: int) -> tuple[int, dt.date, dt.date]:
    return period, dt.date.fromordinal(first), dt.date.fromordinal(last)


def covering_rows(days: DayRange) -> Q:
    """The rows of `covering_periods`, as a filter."""
    rows = Q(pk__in=[])
    for period, first, last in covering_periods(days):
        rows |= Q(days=period, start__gte=first, start__lte=last)
    return rows


# --- From the source rows: the backfill and the check ---------------------------------------------------------------


def _lines_by_period(organization_id: int | None, days: int) -> QuerySet:
    """The shipped lines with their organization, product and period: the UTC day of fulfilment (`days` = 1) or
    the ISO week of it (7).
    """
    items = SalesOrderItem.objects.filter(order__status__in=SHIPPED_STATUSES, order__fulfilled_at__isnull=False)
    if organization_id is not None:
        items = items.filter(order__organization_id=organization_id)
    start = TruncDate("order__fulfilled_at", tzinfo=UTC)
    if days == ProductPeriod.WEEK:
        start = Trunc(start, "week", output_field=DateField())
    return items.order_by().annotate(
        organization_id=F("order__organization_id"), product_id=F("variant__product_id"), start=start
    )


_NET = F("quantity") - F("quantity_returned")
_NET_CENTS = _NET * Round(F("unit_price") * 100)


def product_periods_from_items(organization_id: int | None, days: int, *, folded: bool = False) -> QuerySet:
    """(organization, product, days, start, units, revenue in cents[, folded]) of the shipped lines, net of returns,
    per UTC day of fulfilment (`days` = 1) or per ISO week of it (7).
    """
    rows = (
        _lines_by_period(organization_id, days)
        .values_list("organization_id", "product_id", Value(days, output_field=IntegerField()), "start")
        .annotate(units=Sum(_NET), revenue_cents=Sum(_NET_CENTS))
        .exclude(units=0, revenue_cents=0)  # a sale fully returned leaves no row
    )
    return rows.annotate(folded=Value(True)) if folded else rows


def product_period_lines(organization_id: int | None, days: int) -> QuerySet:
    """The same columns for each shipped line, ungrouped: the check adds them up with the kept rows in one
    grouping (grouped first, every key of the figure would be grouped twice).
    """
    return (
        _lines_by_period(organization_id, days)
        .annotate(units=_NET, revenue_cents=_NET_CENTS)
        .values_list(
            "organization_id",
            "product_id",
            Value(days, output_field=IntegerField()),
            "start",
            "units",
            "revenue_cents",
        )
    )


def rebuild(organization_id: int | None = None) -> int:
    """Replace the rows (of one organization, or all) by folded rows computed from the lines; the caller holds the
    transaction.
    """
    kept = SalesProductPeriod.objects.all()
    if organization_id is not None:
        kept = kept.filter(organization_id=organization_id)
    kept.delete()
    columns = (*KEYS, *SUMS, "folded")
    return sum(
        tallies.insert_select(
            SalesProductPeriod, columns, product_periods_from_items(organization_id, days, folded=True)
        )
        for days in ProductPeriod.values
    )


def differences(organization_id: int | None = None) -> list[tallies.Difference]:
    """Every product period whose kept sums differ from what its lines add up to (both kinds of period in one
    comparison: a kept row of any other kind has no lines, and is named too).
    """
    kept = SalesProductPeriod.objects.all()
    if organization_id is not None:
        kept = kept.filter(organization_id=organization_id)
    lines = [product_period_lines(organization_id, days) for days in ProductPeriod.values]
    return tallies.differences_in_database("sales product period", kept, lines, KEYS, SUMS)


def with_sales_differences(sales_differences: Callable[[int | None], list]) -> Callable[[int | None], list]:
    """The sales figures' check (`sales.kept.differences`) and this one, as one check of the kept sales figures."""

    def check(organization_id: int | None = None) -> list[tallies.Difference]:
        return sales_differences(organization_id) + differences(organization_id)

    return check
