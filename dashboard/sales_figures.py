"""The sales dashboards: sales per day and the best-selling products, from the kept figures (decisions 0023, 0025).

Sales figures are read from the figures kept as the sales services write: per warehouse and UTC day, or per
product and period, so their cost follows the days asked for, not the length of the history. Each statement is
kept compiled per arguments (`core.kept.kept_rows`): building it costs more than the database's work on it.
"""

import datetime as dt
from decimal import Decimal

from django.db.models import F, FloatField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Cast

from catalog.models import Product
from core.dates import DayRange
from core.kept import kept_rows
from dashboard.scope import DashboardScope, int_sum, kept_days, money_sum
from sales.kept_products import covering_rows
from sales.models import SalesDay, SalesProductPeriod, SalesVariantDay


def dashboard_sales(*, scope: DashboardScope, days: DayRange) -> dict:
    """Sales fulfilled in the range, net of returns, with their cost of goods sold and margin: one query.

    A fully returned order is no sale any more (it leaves `orders`). Cost of goods sold is the ledger's: the unit
    cost recorded on each sale movement, less the cost of the units that came back (recorded at the sale's cost).
    """
    per_day = _sales_days(scope.organization_id, scope.warehouse_key, days.start, days.end)
    by_date = {row.pop("date"): row for row in per_day}
    amount = sum((row["amount"] for row in by_date.values()), Decimal("0.00"))
    cost_of_goods_sold = sum((row["cost"] for row in by_date.values()), Decimal("0.00"))
    margin = amount - cost_of_goods_sold
    by_day = []
    for day in days.days():
        row = by_date.get(day)
        if row is None:
            by_day.append({"date": day, "orders": 0, "units": 0, "amount": Decimal("0.00")})
        else:
            by_day.append({"date": day, "orders": row["orders"], "units": row["units"], "amount": row["amount"]})
    return {
        "from": days.start,
        "to": days.end,
        "orders_count": sum(row["orders"] for row in by_date.values()),
        "units_sold": sum(row["units"] for row in by_date.values()),
        "total_sales_amount": amount,
        "cost_of_goods_sold": cost_of_goods_sold,
        "gross_margin": margin,
        "gross_margin_percent": (margin * 100 / amount) if amount else None,
        "by_day": by_day,
    }


@kept_rows
def _sales_days(organization_id: int, warehouse_ids: tuple[int, ...] | None, start: dt.date, end: dt.date) -> QuerySet:
    scope = DashboardScope(organization_id, None if warehouse_ids is None else frozenset(warehouse_ids))
    return (
        kept_days(SalesDay, scope, DayRange(start, end))
        .order_by()
        .values(date=F("day"))
        .annotate(orders=int_sum("orders"), units=int_sum("units"), amount=money_sum("amount"), cost=money_sum("cost"))
        .values("date", "orders", "units", "amount", "cost")
    )


class TopProductsBy:
    UNITS = "units"
    REVENUE = "revenue"
    CHOICES = (UNITS, REVENUE)


def dashboard_top_products(*, scope: DashboardScope, days: DayRange, limit: int, by: str) -> list[dict]:
    """The best-selling products in the range, net of returns, by units or by revenue.

    Over every warehouse, from the product periods (`sales.kept_products`): the range's whole weeks read one row per
    product, grouped without a join. A narrower scope groups the variant days of its warehouses by product. One
    query either way.
    """
    if scope.warehouse_ids is not None:
        return _top_products_in(scope.organization_id, scope.warehouse_key, days.start, days.end, limit, by)
    rows = _top_products(scope.organization_id, days.start, days.end, limit, by)
    return [
        {
            "product": row["product_id"],
            "product_name": row["product_name"],
            "units": int(row["units"]),
            "revenue": Decimal(int(row["revenue_cents"])).scaleb(-2),
        }
        for row in rows
    ]


@kept_rows
def _top_products(organization_id: int, start: dt.date, end: dt.date, limit: int, by: str) -> QuerySet:
    order = ("-units", "-revenue_cents") if by == TopProductsBy.UNITS else ("-revenue_cents", "-units")
    # PostgreSQL reads the name after the sort and the limit: for the winners only.
    name = Product.objects.filter(pk=OuterRef("product_id")).order_by().values("name")
    # Summed as float8, which is exact for whole numbers below 2**53 (units, and cents up to 90 trillion): PostgreSQL
    # adds those in place, where its SUM of bigint allocates a numeric state per product.
    units, cents = Sum(Cast("units", FloatField())), Sum(Cast("revenue_cents", FloatField()))
    return (
        SalesProductPeriod.objects.filter(covering_rows(DayRange(start, end)), organization_id=organization_id)
        .order_by()
        .values("product_id")
        .annotate(units=units, revenue_cents=cents)
        .filter(units__gt=0)
        .annotate(product_name=Subquery(name))
        .order_by(*order, "product_id")
        .values("product_id", "product_name", "units", "revenue_cents")[:limit]
    )


@kept_rows
def _top_products_in(
    organization_id: int, warehouse_ids: tuple[int, ...], start: dt.date, end: dt.date, limit: int, by: str
) -> QuerySet:
    order = ("-units", "-revenue") if by == TopProductsBy.UNITS else ("-revenue", "-units")
    kept = SalesVariantDay.objects.filter(
        organization_id=organization_id, warehouse_id__in=warehouse_ids, day__gte=start, day__lte=end
    )
    rows = (
        kept.order_by()
        .values(product=F("variant__product_id"), product_name=F("variant__product__name"))
        .annotate(units=int_sum("units"), revenue=money_sum("revenue"))
        .filter(units__gt=0)
        .order_by(*order, "product")
    )
    return rows[:limit]
