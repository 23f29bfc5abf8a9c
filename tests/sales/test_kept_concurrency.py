"""The kept sales and movement figures under real concurrency (PostgreSQL): parallel sales of one SKU, some refused
for want of stock, parallel returns, orders whose lines name two SKUs in either order, and compactions running
beside them, leave every kept figure equal to what the orders and the ledger add up to."""

import pytest

from core.dates import DayRange, today_utc
from core.exceptions import InvalidInput
from dashboard.selectors import DashboardScope, dashboard_sales
from sales.models import SalesOrder
from sales.services import OrderLine, ReturnLine, sales_order_create, sales_order_return_items
from stock.exceptions import InsufficientStock
from stock.kept import compact_kept_figures, kept_figure_differences
from tests.concurrency import outcome, run_together
from tests.sales.conftest import level

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _outcome(call):
    return outcome(call, (InsufficientStock, InvalidInput))


def test_parallel_sales_of_one_sku_keep_the_day_rows_exact(staff, warehouse, mug, tee, shelve):
    shelve(mug, warehouse, 20)
    shelve(tee, warehouse, 30)

    def sell(index):
        if index % 5 == 4:
            return compact_kept_figures()
        lines = [OrderLine(mug, 2)] if index % 2 else [OrderLine(tee, 1), OrderLine(mug, 1)]
        return _outcome(lambda: sales_order_create(by=staff, warehouse=warehouse, lines=lines, status="fulfilled"))

    results = run_together(20, sell)

    assert not [result for result in results if isinstance(result, Exception)]
    assert "InsufficientStock" in results  # 16 sellers want 24 mugs of 20
    assert kept_figure_differences() == []

    orders = list(SalesOrder.objects.prefetch_related("items"))

    def give_back(index):
        if index % 4 == 3:
            return compact_kept_figures()
        order = orders[index % len(orders)]
        item = order.items.all()[0]
        return _outcome(lambda: sales_order_return_items(order=order, by=staff, lines=[ReturnLine(item.pk, 1)]))

    results = run_together(16, give_back)

    assert not [result for result in results if isinstance(result, Exception)]
    assert kept_figure_differences() == []
    compact_kept_figures()
    assert kept_figure_differences() == []
    sold = 50 - level(mug, warehouse) - level(tee, warehouse)
    figures = dashboard_sales(scope=DashboardScope(staff.organization_id), days=DayRange.last_days(1))
    assert figures["units_sold"] == sold
    assert figures["by_day"][-1]["date"] == today_utc()


def test_more_sellers_than_stock_oversell_nothing_and_count_only_the_sales(staff, warehouse, mug, shelve):
    shelve(mug, warehouse, 5)

    results = run_together(
        12,
        lambda i: _outcome(
            lambda: sales_order_create(by=staff, warehouse=warehouse, lines=[OrderLine(mug, 1)], status="fulfilled")
        ),
    )

    assert results.count("done") == 5
    figures = dashboard_sales(scope=DashboardScope(staff.organization_id), days=DayRange.last_days(1))
    assert (figures["orders_count"], figures["units_sold"]) == (5, 5)
    assert kept_figure_differences() == []
