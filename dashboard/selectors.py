"""Every dashboard figure, computed in the database.

The dashboard only reads. Each function here runs a fixed number of aggregate queries whatever the size of the
organization (sums, counts and per-day groups are SQL; Python only fills in the days that had nothing).

Scope: an admin sees every warehouse of the organization, a manager their own (`DashboardScope.warehouse_ids`).
Stock, movement and sales figures follow the scope. The catalog counts (products, categories, suppliers, expired
products) are of the organization's catalog, which is not kept per warehouse.

Days are UTC calendar days; a range `[start, end]` is inclusive of both ends.
"""

import datetime as dt
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from catalog.models import Category, Product
from catalog.selectors import product_expired_q
from core.dates import DayRange, today_utc
from core.kept import kept_queryset, kept_rows
from dashboard.sales_figures import TopProductsBy, dashboard_sales, dashboard_top_products
from dashboard.scope import DashboardScope, dashboard_scope_for, int_sum, kept_days
from sales.models import SalesDay
from stock.figures import level_margin
from stock.models import MovementDay, StockLevel
from stock.selectors import stock_level_low_list
from stock.serializers import LEVEL_ROW_COLUMNS
from stock.totals import Totals, stock_totals_by_category
from suppliers.models import Supplier
from users.models import Organization
from warehouses.models import Warehouse

# The routes' functions, wherever they live: views and tests read every dashboard figure from here.
__all__ = [
    "DashboardScope",
    "TopProductsBy",
    "catalog_counts",
    "dashboard_low_stock",
    "dashboard_overview",
    "dashboard_sales",
    "dashboard_scope_for",
    "dashboard_top_products",
    "dashboard_trends",
    "dashboard_warehouse",
    "warehouse_staff_activity",
    "warehouse_stock_figures",
]

# The warehouse dashboard lists this many of its most urgent low levels (`low_stock_count` gives them all).
WAREHOUSE_LOW_STOCK_PREVIEW = 20
UNCATEGORIZED = "Uncategorized"


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
    (counts,) = _catalog_counts(scope.organization_id, scope.warehouse_key, today)
    return counts


@kept_rows
def _catalog_counts(organization_id: int, warehouse_ids: tuple[int, ...] | None, today: dt.date) -> QuerySet:
    # Kept per arguments, compiled (`core.kept`): building five subqueries costs more than running them.
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
    none = Totals()
    rows = [
        {
            "category": row["pk"],
            "category_name": row["name"],
            "total_value": by_category.get(row["pk"], none).cost_value,
        }
        for row in _category_names(organization_id)
    ]
    rows.sort(key=lambda row: -row["total_value"])  # stable: equal values keep the database's order of names
    uncategorized = by_category.get(None)
    if uncategorized is not None and uncategorized.levels:
        rows.append({"category": None, "category_name": UNCATEGORIZED, "total_value": uncategorized.cost_value})
    return rows


@kept_rows
def _category_names(organization_id: int) -> QuerySet:
    return Category.objects.filter(organization_id=organization_id).order_by("name", "id").values("pk", "name")


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


@kept_rows
def _low_preview(organization_id: int, warehouse_ids: tuple[int, ...] | None, limit: int) -> QuerySet:
    return _low_levels(organization_id, warehouse_ids).values(*LEVEL_ROW_COLUMNS)[:limit]


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


@kept_rows
def _movement_days(organization_id: int, warehouse_ids: tuple[int, ...] | None, start: dt.date, end: dt.date):
    scope = DashboardScope(organization_id, None if warehouse_ids is None else frozenset(warehouse_ids))
    return (
        kept_days(MovementDay, scope, DayRange(start, end))
        .order_by()
        .values("day")
        .annotate(units_in=int_sum("units_in"), units_out=int_sum("units_out"))
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
        "low_stock": [
            SimpleNamespace(**row)  # what the level serializer reads, as attributes
            for row in _low_preview(scope.organization_id, scope.warehouse_key, WAREHOUSE_LOW_STOCK_PREVIEW)
        ],
        "movements_by_day": dashboard_trends(scope=scope, days=days),
        "staff_activity": warehouse_staff_activity(warehouse=warehouse, days=days),
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


def warehouse_staff_activity(*, warehouse: Warehouse, days: DayRange) -> list[dict]:
    """The people assigned to the warehouse, and anyone else who worked in it in the range, busiest first.

    `movements`: stock movements they performed there; `sales_orders`: sales they fulfilled there (direct sales
    and approved requests, whatever came back since), both in the range, read from the kept figures.
    """
    return _staff_activity(warehouse.organization_id, warehouse.pk, days.start, days.end)


@kept_rows
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
