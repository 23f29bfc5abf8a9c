"""The dashboard's sales, top-product, movement, staff-activity and stock figures as aggregates over the raw rows
(orders, their lines, the movements and the levels): what `dashboard.selectors` computed before it read the kept
figures (decisions 0023 and 0024).

The benchmark's raw baseline runs this SQL (`bench/steps.py plan` captures it) and compares its bodies with the
API's, and the tests compare the kept figures' answers with these after a mix of every kind of write. Same
arguments and results as the selectors of the same names.
"""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate

from catalog.models import Category
from catalog.selectors import product_expired_q
from core.dates import DayRange, today_utc
from dashboard.selectors import UNCATEGORIZED, DashboardScope, TopProductsBy, catalog_counts
from sales.models import SHIPPED_STATUSES, SalesOrder, SalesOrderItem, SalesOrderStatus
from stock.models import MovementType, Reason, ReferenceType, StockLevel, StockMovement, low_level_q

UTC = dt.UTC
VALUE = DecimalField(max_digits=20, decimal_places=2)
ZERO = Decimal("0.00")


def _times(quantity, price: str) -> ExpressionWrapper:
    return ExpressionWrapper(quantity * F(price), output_field=VALUE)


def _money_sum(expression, **kwargs) -> Coalesce:
    return Coalesce(Sum(expression, **kwargs), ZERO, output_field=VALUE)


def _int_sum(expression, **kwargs) -> Coalesce:
    return Coalesce(Sum(expression, **kwargs), 0, output_field=IntegerField())


def _shipped_orders(scope: DashboardScope, days: DayRange) -> QuerySet:
    orders = SalesOrder.objects.filter(organization_id=scope.organization_id, status__in=SHIPPED_STATUSES)
    return scope.restrict(orders.filter(days.lookup("fulfilled_at")))


def _shipped_items(scope: DashboardScope, days: DayRange) -> QuerySet:
    items = SalesOrderItem.objects.filter(
        days.lookup("order__fulfilled_at"),
        order__organization_id=scope.organization_id,
        order__status__in=SHIPPED_STATUSES,
    )
    return scope.restrict(items, "order__warehouse_id")


_NET_UNITS = ExpressionWrapper(F("quantity") - F("quantity_returned"), output_field=IntegerField())
_KEPT_ORDER = Count("order", distinct=True, filter=~Q(order__status=SalesOrderStatus.RETURNED))


def _sales_figures() -> dict:
    return {
        "orders": _KEPT_ORDER,
        "units": _int_sum(_NET_UNITS),
        "amount": _money_sum(_times(_NET_UNITS, "unit_price")),
    }


def dashboard_sales(*, scope: DashboardScope, days: DayRange) -> dict:
    items = _shipped_items(scope, days)
    totals = items.aggregate(**_sales_figures())
    per_day = (
        items.annotate(date=TruncDate("order__fulfilled_at", tzinfo=UTC))
        .order_by()
        .values("date")
        .annotate(**_sales_figures())
        .values("date", "orders", "units", "amount")
    )
    by_date = {row["date"]: row for row in per_day}
    at_cost = _times(F("quantity"), "unit_cost")
    ledger = StockMovement.objects.filter(
        organization_id=scope.organization_id,
        reference_type=ReferenceType.SALES_ORDER,
        reference_id__in=Subquery(_shipped_orders(scope, days).values("pk")),
    ).aggregate(
        sold=_money_sum(at_cost, filter=Q(movement_type=MovementType.OUT, reason=Reason.SALE)),
        returned=_money_sum(at_cost, filter=Q(movement_type=MovementType.IN, reason=Reason.RETURN)),
    )
    cost = ledger["sold"] - ledger["returned"]
    amount = totals["amount"]
    margin = amount - cost
    return {
        "from": days.start,
        "to": days.end,
        "orders_count": totals["orders"],
        "units_sold": totals["units"],
        "total_sales_amount": amount,
        "cost_of_goods_sold": cost,
        "gross_margin": margin,
        "gross_margin_percent": (margin * 100 / amount) if amount else None,
        "by_day": [by_date.get(day) or {"date": day, "orders": 0, "units": 0, "amount": ZERO} for day in days.days()],
    }


def dashboard_top_products(*, scope: DashboardScope, days: DayRange, limit: int, by: str) -> list[dict]:
    order = ("-units", "-revenue") if by == TopProductsBy.UNITS else ("-revenue", "-units")
    rows = (
        _shipped_items(scope, days)
        .order_by()
        .values(product=F("variant__product_id"), product_name=F("variant__product__name"))
        .annotate(units=_int_sum(_NET_UNITS), revenue=_money_sum(_times(_NET_UNITS, "unit_price")))
        .filter(units__gt=0)
        .order_by(*order, "product")
    )
    return list(rows[:limit])


def dashboard_trends(*, scope: DashboardScope, days: DayRange) -> list[dict]:
    movements = scope.restrict(StockMovement.objects.filter(organization_id=scope.organization_id))
    rows = (
        movements.filter(days.lookup("created_at"))
        .annotate(date=TruncDate("created_at", tzinfo=UTC))
        .order_by()
        .values("date")
        .annotate(
            units_in=_int_sum("quantity", filter=Q(movement_type=MovementType.IN)),
            units_out=_int_sum("quantity", filter=Q(movement_type=MovementType.OUT)),
        )
        .values("date", "units_in", "units_out")
    )
    by_date = {row["date"]: (row["units_in"], row["units_out"]) for row in rows}
    result = []
    for day in days.days():
        units_in, units_out = by_date.get(day, (0, 0))
        result.append({"date": day, "in": units_in, "out": units_out, "net": units_in - units_out})
    return result


def warehouse_staff_activity(*, warehouse, days: DayRange) -> QuerySet:
    User = get_user_model()
    movements = StockMovement.objects.filter(days.lookup("created_at"), warehouse=warehouse)
    sales = SalesOrder.objects.filter(days.lookup("fulfilled_at"), warehouse=warehouse, status__in=SHIPPED_STATUSES)
    assigned = User.warehouses.through.objects.filter(user_id=OuterRef("pk"), warehouse_id=warehouse.pk)
    return (
        User.objects.filter(organization_id=warehouse.organization_id)
        .annotate(
            movements=_count_of(movements.filter(performed_by_id=OuterRef("pk"))),
            sales_orders=_count_of(sales.filter(decided_by_id=OuterRef("pk"))),
        )
        .filter(Exists(assigned) | Q(movements__gt=0) | Q(sales_orders__gt=0))
        .order_by("-movements", "-sales_orders", "username", "pk")
        .values("movements", "sales_orders", "username", user=F("pk"))
    )


def _count_of(queryset: QuerySet) -> Coalesce:
    counted = queryset.order_by().annotate(row_count=Func(F("pk"), function="COUNT")).values("row_count")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# --- Stock: the overview and a warehouse's stock figures over the levels (decision 0024) -----------------------------


def _levels(scope: DashboardScope) -> QuerySet[StockLevel]:
    return scope.restrict(StockLevel.objects.filter(organization_id=scope.organization_id))


def dashboard_overview(*, scope: DashboardScope) -> dict:
    today = today_utc()
    counts = catalog_counts(scope, today)
    at_cost = _times(F("quantity"), "variant__cost")
    expired = product_expired_q(today, prefix="variant__product__")
    uncategorized = Q(variant__product__category__isnull=True)
    figures = _levels(scope).aggregate(
        total_stock=_int_sum("quantity"),
        total_reserved=_int_sum("reserved"),
        total_inventory_value=_money_sum(at_cost),
        total_retail_value=_money_sum(_times(F("quantity"), "variant__price")),
        expired_inventory_value=_money_sum(at_cost, filter=expired),
        uncategorized_value=_money_sum(at_cost, filter=uncategorized),
        uncategorized_levels=Count("pk", filter=uncategorized),
        low_stock=Count("pk", filter=low_level_q()),
    )
    counts["low_stock"] = figures["low_stock"]
    analytics = list(_category_values(scope))
    if figures["uncategorized_levels"]:
        analytics.append(
            {"category": None, "category_name": UNCATEGORIZED, "total_value": figures["uncategorized_value"]}
        )
    total, expired_value = figures["total_inventory_value"], figures["expired_inventory_value"]
    return {
        "counts": counts,
        "stock": {
            "total_stock": figures["total_stock"],
            "total_reserved": figures["total_reserved"],
            "total_available": figures["total_stock"] - figures["total_reserved"],
        },
        "financial": {
            "total_inventory_value": total,
            "total_retail_value": figures["total_retail_value"],
            "expired_inventory_value": expired_value,
            "real_inventory_value": total - expired_value,
        },
        "analytics": analytics,
    }


def _category_values(scope: DashboardScope) -> QuerySet:
    level = "products__variants__stock_levels__"
    in_scope = None
    if scope.warehouse_ids is not None:
        in_scope = Q(**{f"{level}warehouse_id__in": sorted(scope.warehouse_ids)})
    value = _times(F(f"{level}quantity"), "products__variants__cost")
    return (
        Category.objects.filter(organization_id=scope.organization_id)
        .values(category=F("id"), category_name=F("name"))
        .annotate(total_value=_money_sum(value, filter=in_scope))
        .order_by("-total_value", "category_name", "category")
    )


def warehouse_stock_figures(*, scope: DashboardScope) -> dict:
    return _levels(scope).aggregate(
        total_stock=_int_sum("quantity"),
        inventory_value=_money_sum(_times(F("quantity"), "variant__cost")),
        retail_value=_money_sum(_times(F("quantity"), "variant__price")),
        low_stock_count=Count("pk", filter=low_level_q()),
    )
