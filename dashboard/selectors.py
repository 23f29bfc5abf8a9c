"""Every dashboard figure, computed in the database.

The dashboard only reads. Each function here runs a fixed number of aggregate queries whatever the size of the
organization (sums, counts and per-day groups are SQL; Python only fills in the days that had nothing).

Scope: an admin sees every warehouse of the organization, a manager their own (`DashboardScope.warehouse_ids`).
Stock, movement and sales figures follow the scope. The catalog counts (products, categories, suppliers, expired
products) are of the organization's catalog, which is not kept per warehouse.

Days are UTC calendar days; a range `[start, end]` is inclusive of both ends.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from catalog.models import Category, Product
from catalog.selectors import product_expired_q
from core.dates import DayRange, today_utc
from core.kept import kept_queryset
from core.permissions import ensure_warehouse_access, warehouse_ids_of
from core.roles import Role
from sales.kept_products import covering_rows
from sales.models import SalesDay, SalesProductPeriod, SalesVariantDay
from stock.figures import level_margin
from stock.models import MovementDay, StockLevel
from stock.selectors import stock_level_low_list
from stock.totals import Totals, stock_totals_by_category
from suppliers.models import Supplier
from users.models import Organization
from warehouses.models import Warehouse

UTC = dt.UTC
# Sums of quantity × price can outgrow a price column: 20 digits hold any realistic inventory.
VALUE = DecimalField(max_digits=20, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=VALUE)
# The warehouse dashboard lists this many of its most urgent low levels (`low_stock_count` gives them all).
WAREHOUSE_LOW_STOCK_PREVIEW = 20
UNCATEGORIZED = "Uncategorized"


# --- Scope ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardScope:
    """One organization, and the warehouses whose figures the caller may see (None: every warehouse)."""

    organization_id: int
    warehouse_ids: frozenset[int] | None = None

    @property
    def cache_part(self) -> str:
        if self.warehouse_ids is None:
            return "all"
        return ",".join(str(pk) for pk in sorted(self.warehouse_ids)) or "none"

    @property
    def warehouse_key(self) -> tuple[int, ...] | None:  # hashable and ordered: the kept querysets' argument
        return None if self.warehouse_ids is None else tuple(sorted(self.warehouse_ids))

    def restrict(self, queryset: QuerySet, field: str = "warehouse_id") -> QuerySet:
        if self.warehouse_ids is None:
            return queryset
        return queryset.filter(**{f"{field}__in": sorted(self.warehouse_ids)})


def dashboard_scope_for(*, user, warehouse: Warehouse | None = None) -> DashboardScope:
    """What the user may see: admins every warehouse, managers their own; `warehouse` narrows it to one.

    Raises PermissionDenied (403) when a manager asks for a warehouse that is not theirs.
    """
    if warehouse is not None:
        ensure_warehouse_access(user, [warehouse])
        return DashboardScope(user.organization_id, frozenset({warehouse.pk}))
    if user.role == Role.ADMIN:
        return DashboardScope(user.organization_id, None)
    return DashboardScope(user.organization_id, frozenset(warehouse_ids_of(user)))


# --- Expressions ----------------------------------------------------------------------------------------------------


def _money_sum(expression, **kwargs) -> Coalesce:
    return Coalesce(Sum(expression, **kwargs), ZERO, output_field=VALUE)


def _int_sum(expression, **kwargs) -> Coalesce:
    return Coalesce(Sum(expression, **kwargs), 0, output_field=IntegerField())


def _count_of(queryset: QuerySet) -> Coalesce:
    """`SELECT COUNT(*) FROM (queryset)` as a scalar subquery (no GROUP BY: COUNT here is a plain function)."""
    counted = queryset.order_by().annotate(row_count=Func(F("pk"), function="COUNT")).values("row_count")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# --- Overview -------------------------------------------------------------------------------------------------------


def dashboard_overview(*, scope: DashboardScope) -> dict:
    """Counts, stock, inventory value and value per category: three queries.

    The stock figures are the kept totals per warehouse, category and expiration date (decision 0024), read with
    the levels changed since their last fold: their cost does not grow with the number of levels.
    """
    today = today_utc()
    organization_id = scope.organization_id
    counts = catalog_counts(scope, today)
    by_category = stock_totals_by_category(
        organization_id=organization_id, warehouse_ids=scope.warehouse_ids, today=today
    )
    figures = sum(by_category.values(), Totals())
    counts["low_stock"] = figures.low
    analytics = _category_values(organization_id, by_category)
    return {
        "counts": counts,
        "stock": {
            "total_stock": figures.quantity,
            "total_reserved": figures.reserved,
            "total_available": figures.quantity - figures.reserved,
        },
        "financial": {
            "total_inventory_value": figures.cost_value,
            "total_retail_value": figures.retail_value,
            "expired_inventory_value": figures.expired_value,
            "real_inventory_value": figures.cost_value - figures.expired_value,
        },
        "analytics": analytics,
    }


def catalog_counts(scope: DashboardScope, today: dt.date) -> dict:
    """The five counts in one query: scalar subqueries on the organization's row."""
    return dict(_catalog_counts(scope.organization_id, scope.warehouse_key, today).get())


@kept_queryset
def _catalog_counts(organization_id: int, warehouse_ids: tuple[int, ...] | None, today: dt.date) -> QuerySet:
    # Kept per arguments (`core.kept`): building five subqueries costs more than running them.
    products = Product.objects.filter(organization_id=organization_id)
    warehouses = Warehouse.objects.filter(organization_id=organization_id)
    if warehouse_ids is not None:
        warehouses = warehouses.filter(pk__in=warehouse_ids)
    return (
        Organization.objects.filter(pk=organization_id)
        .annotate(
            total_products=_count_of(products),
            total_categories=_count_of(Category.objects.filter(organization_id=organization_id)),
            total_suppliers=_count_of(Supplier.objects.filter(organization_id=organization_id)),
            total_warehouses=_count_of(warehouses),
            expired_products=_count_of(products.filter(product_expired_q(today))),
        )
        .values("total_products", "total_categories", "total_suppliers", "total_warehouses", "expired_products")
    )


def _category_values(organization_id: int, by_category: dict[int | None, Totals]) -> list[dict]:
    """Every category of the organization with the cost value of its stock in scope, highest first (empty ones at
    zero, ties by name as the database orders them), then the stock of uncategorized products if there is any.
    """
    categories = Category.objects.filter(organization_id=organization_id).order_by("name", "id")
    rows = [
        {"category": pk, "category_name": name, "total_value": by_category.get(pk, Totals()).cost_value}
        for pk, name in categories.values_list("pk", "name")
    ]
    rows.sort(key=lambda row: -row["total_value"])  # stable: equal values keep the database's order of names
    uncategorized = by_category.get(None)
    if uncategorized is not None and uncategorized.levels:
        rows.append({"category": None, "category_name": UNCATEGORIZED, "total_value": uncategorized.cost_value})
    return rows


# --- Low stock ------------------------------------------------------------------------------------------------------


def dashboard_low_stock(*, scope: DashboardScope) -> QuerySet[StockLevel]:
    """Low levels in scope, most urgent first: furthest below the reorder level, then fewest units."""
    return _low_levels(scope.organization_id, scope.warehouse_key)


@kept_queryset
def _low_levels(organization_id: int, warehouse_ids: tuple[int, ...] | None) -> QuerySet[StockLevel]:
    # Kept per arguments (`core.kept`), as every dashboard query here: building it costs more than running it.
    levels = stock_level_low_list(organization_id=organization_id)
    if warehouse_ids is not None:
        levels = levels.filter(warehouse_id__in=warehouse_ids)
    return levels.order_by(level_margin(), "quantity", "pk")


# --- Sales ----------------------------------------------------------------------------------------------------------
# Sales and movement figures are read from the figures kept as the ledger and the sales services write (decision
# 0023): per warehouse and UTC day, so their cost follows the days asked for, not the length of the history.


def _kept_days(model, scope: DashboardScope, days: DayRange) -> QuerySet:
    """The kept figures (`model`: a tally per warehouse and day) of the range's days, in scope."""
    kept = model.objects.filter(organization_id=scope.organization_id, day__gte=days.start, day__lte=days.end)
    return scope.restrict(kept)


def dashboard_sales(*, scope: DashboardScope, days: DayRange) -> dict:
    """Sales fulfilled in the range, net of returns, with their cost of goods sold and margin: one query.

    A fully returned order is no sale any more (it leaves `orders`). Cost of goods sold is the ledger's: the unit
    cost recorded on each sale movement, less the cost of the units that came back (recorded at the sale's cost).
    """
    per_day = (
        _kept_days(SalesDay, scope, days)
        .order_by()
        .values(date=F("day"))
        .annotate(
            orders=_int_sum("orders"),
            units=_int_sum("units"),
            amount=_money_sum("amount"),
            cost=_money_sum("cost"),
        )
        .values("date", "orders", "units", "amount", "cost")
    )
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
        return _top_products_in(scope, days, limit, by)
    order = ("-units", "-revenue_cents") if by == TopProductsBy.UNITS else ("-revenue_cents", "-units")
    # PostgreSQL reads the name after the sort and the limit: for the winners only.
    name = Product.objects.filter(pk=OuterRef("product_id")).order_by().values("name")
    rows = (
        SalesProductPeriod.objects.filter(covering_rows(days), organization_id=scope.organization_id)
        .order_by()
        .values("product_id")
        .annotate(units=Sum("units"), revenue_cents=Sum("revenue_cents"))
        .filter(units__gt=0)
        .annotate(product_name=Subquery(name))
        .order_by(*order, "product_id")
        .values_list("product_id", "product_name", "units", "revenue_cents")[:limit]
    )
    return [
        {"product": pk, "product_name": name, "units": int(units), "revenue": Decimal(cents).scaleb(-2)}
        for pk, name, units, cents in rows
    ]


def _top_products_in(scope: DashboardScope, days: DayRange, limit: int, by: str) -> list[dict]:
    order = ("-units", "-revenue") if by == TopProductsBy.UNITS else ("-revenue", "-units")
    kept = SalesVariantDay.objects.filter(
        organization_id=scope.organization_id, day__gte=days.start, day__lte=days.end
    )
    rows = (
        scope.restrict(kept)
        .order_by()
        .values(product=F("variant__product_id"), product_name=F("variant__product__name"))
        .annotate(units=_int_sum("units"), revenue=_money_sum("revenue"))
        .filter(units__gt=0)
        .order_by(*order, "product")
    )
    return list(rows[:limit])


# --- Movements per day ----------------------------------------------------------------------------------------------


def dashboard_trends(*, scope: DashboardScope, days: DayRange) -> list[dict]:
    """Units in and out per day of the range, oldest first, days without movement as zeros (one query)."""
    rows = _movement_days(scope.organization_id, scope.warehouse_key, days.start, days.end)
    by_date = {row["day"]: (row["units_in"], row["units_out"]) for row in rows}
    result = []
    for day in days.days():
        units_in, units_out = by_date.get(day, (0, 0))
        result.append({"date": day, "in": units_in, "out": units_out, "net": units_in - units_out})
    return result


@kept_queryset
def _movement_days(organization_id: int, warehouse_ids: tuple[int, ...] | None, start: dt.date, end: dt.date):
    scope = DashboardScope(organization_id, None if warehouse_ids is None else frozenset(warehouse_ids))
    return (
        _kept_days(MovementDay, scope, DayRange(start, end))
        .order_by()
        .values("day")
        .annotate(units_in=_int_sum("units_in"), units_out=_int_sum("units_out"))
        .values("day", "units_in", "units_out")
    )


# --- One warehouse --------------------------------------------------------------------------------------------------


def dashboard_warehouse(*, warehouse: Warehouse, days: DayRange) -> dict:
    """One warehouse: stock and its value, its most urgent low levels, movements per day and who did the work."""
    scope = DashboardScope(warehouse.organization_id, frozenset({warehouse.pk}))
    return {
        "warehouse": warehouse.pk,
        "warehouse_name": warehouse.name,
        "warehouse_code": warehouse.code,
        "from": days.start,
        "to": days.end,
        **warehouse_stock_figures(scope=scope),
        "low_stock": list(dashboard_low_stock(scope=scope)[:WAREHOUSE_LOW_STOCK_PREVIEW]),
        "movements_by_day": dashboard_trends(scope=scope, days=days),
        "staff_activity": list(warehouse_staff_activity(warehouse=warehouse, days=days)),
    }


def warehouse_stock_figures(*, scope: DashboardScope) -> dict:
    """Units on hand, their cost and retail value and the low levels, from the kept stock totals (one query)."""
    by_category = stock_totals_by_category(
        organization_id=scope.organization_id, warehouse_ids=scope.warehouse_ids, today=today_utc()
    )
    totals = sum(by_category.values(), Totals())
    return {
        "total_stock": totals.quantity,
        "inventory_value": totals.cost_value,
        "retail_value": totals.retail_value,
        "low_stock_count": totals.low,
    }


def warehouse_staff_activity(*, warehouse: Warehouse, days: DayRange) -> QuerySet:
    """The people assigned to the warehouse, and anyone else who worked in it in the range, busiest first.

    `movements`: stock movements they performed there; `sales_orders`: sales they fulfilled there (direct sales
    and approved requests, whatever came back since), both in the range, read from the kept figures.
    """
    return _staff_activity(warehouse.organization_id, warehouse.pk, days.start, days.end)


@kept_queryset
def _staff_activity(organization_id: int, warehouse_id: int, start: dt.date, end: dt.date) -> QuerySet:
    User = get_user_model()
    kept = {"warehouse_id": warehouse_id, "day__gte": start, "day__lte": end}
    movements = MovementDay.objects.filter(**kept, performed_by_id=OuterRef("pk"))
    sales = SalesDay.objects.filter(**kept, decided_by_id=OuterRef("pk"))
    assigned = User.warehouses.through.objects.filter(user_id=OuterRef("pk"), warehouse_id=warehouse_id)
    return (
        User.objects.filter(organization_id=organization_id)
        .annotate(
            movements=_sum_of(movements, "movements"),
            sales_orders=_sum_of(sales, "fulfilled"),
        )
        .filter(Exists(assigned) | Q(movements__gt=0) | Q(sales_orders__gt=0))
        .order_by("-movements", "-sales_orders", "username", "pk")
        .values("movements", "sales_orders", "username", user=F("pk"))
    )


def _sum_of(queryset: QuerySet, field: str) -> Coalesce:
    """`SELECT SUM(field) FROM (queryset)` as a scalar subquery (no GROUP BY: SUM here is a plain function)."""
    summed = queryset.order_by().annotate(total=Func(F(field), function="SUM")).values("total")
    return Coalesce(Subquery(summed, output_field=IntegerField()), 0)
