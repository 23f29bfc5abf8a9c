"""`GET /api/dashboard/sales/` and `GET /api/dashboard/top-products/`, checked against the test's own books."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest

from sales.services import sales_order_reject
from tests.catalog.factories import VariantFactory
from tests.dashboard.conftest import TODAY, days_ago
from tests.dashboard.helpers import money, set_cost

SALES = "/api/dashboard/sales/"
TOP = "/api/dashboard/top-products/"


@pytest.fixture
def sales(org, warehouse, other_warehouse, admin, manager, staff, viewer, annex_staff, make_variant, books):
    """Orders over the last weeks: direct sales, a partial and a full return, a cost change between sales,
    pending and rejected requests, and one sale before the default 30-day window.
    """
    tea = make_variant("Tea", "4.00", "10.00")
    tea_large = VariantFactory(product=tea.product, cost=Decimal("5.00"), price=Decimal("12.00"))  # same product
    cake = make_variant("Cake", "15.00", "25.00")
    for variant in (tea, tea_large, cake):
        books.add(variant, warehouse, 100, by=admin, day=days_ago(60))
        books.add(variant, other_warehouse, 50, by=admin, day=days_ago(60))

    books.sell(warehouse, [(tea, 9)], by=staff, day=days_ago(40))  # before the default window
    books.sell(warehouse, [(tea, 5), (cake, 2, Decimal("24.00"))], by=staff, day=days_ago(3))
    set_cost(tea, "6.00")  # later sales carry the new cost; earlier ones keep theirs
    partly = books.sell(warehouse, [(tea_large, 3)], by=manager, day=days_ago(1))
    books.return_items(partly, [(0, 1)], by=manager, day=TODAY)
    books.sell(other_warehouse, [(cake, 4)], by=annex_staff, day=TODAY)
    fully = books.sell(warehouse, [(tea, 2)], by=staff, day=TODAY)
    books.return_items(fully, [(0, 2)], by=staff, day=TODAY)
    books.request(warehouse, [(tea, 7)], by=viewer, day=TODAY)  # pending: not a sale
    rejected = books.request(warehouse, [(cake, 1)], by=viewer, day=TODAY)
    sales_order_reject(order=rejected, by=manager, reason="No", notify=False)
    return {"tea": tea, "cake": cake}


def expected_sales(books, start: dt.date, end: dt.date, warehouse_ids=None):
    lines = [
        sale
        for sale in books.sales
        if start <= sale.day <= end and (warehouse_ids is None or sale.warehouse_id in warehouse_ids)
    ]
    kept_orders = {sale.order_id for sale in lines if sale.net_units}
    amount = sum((sale.net_units * sale.price for sale in lines), Decimal(0))
    cost = sum((sale.net_units * sale.cost for sale in lines), Decimal(0))
    by_day = []
    day = start
    while day <= end:
        today_lines = [sale for sale in lines if sale.day == day]
        by_day.append(
            {
                "date": day.isoformat(),
                "orders": len({sale.order_id for sale in today_lines if sale.order_id in kept_orders}),
                "units": sum(sale.net_units for sale in today_lines),
                "amount": money(sum((sale.net_units * sale.price for sale in today_lines), Decimal(0))),
            }
        )
        day += dt.timedelta(days=1)
    percent = ((amount - cost) * 100 / amount).quantize(Decimal("0.01"), ROUND_HALF_UP) if amount else None
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "orders_count": len(kept_orders),
        "units_sold": sum(sale.net_units for sale in lines),
        "total_sales_amount": money(amount),
        "cost_of_goods_sold": money(cost),
        "gross_margin": money(amount - cost),
        "gross_margin_percent": None if percent is None else f"{percent:.2f}",
        "by_day": by_day,
    }


def test_sales_over_the_default_30_days_net_of_returns(sales, books, admin_client, get):
    response = get(admin_client, SALES)

    assert response.status_code == 200
    assert response.json() == expected_sales(books, days_ago(29), TODAY)


def test_sales_figures_worked_out_by_hand(sales, admin_client, get):
    # tea 5 × 10 (cost 4) + cake 2 × 24 (cost 15) + tea large 2 kept of 3 × 12 (cost 5) + cake 4 × 25 (cost 15);
    # the fully returned order counts for nothing, not even as an order.
    body = get(admin_client, SALES).json()

    assert body["orders_count"] == 3
    assert body["units_sold"] == 13
    assert body["total_sales_amount"] == "222.00"
    assert body["cost_of_goods_sold"] == "120.00"
    assert body["gross_margin"] == "102.00"
    assert body["gross_margin_percent"] == "45.95"
    assert len(body["by_day"]) == 30


def test_cost_of_goods_sold_uses_the_cost_recorded_at_the_sale_not_todays(sales, books, admin_client, get):
    # The tea sold three days ago left at 4.00; its cost is 6.00 now.
    set_cost(sales["tea"], "9.99")

    body = get(admin_client, SALES, **{"from": days_ago(3).isoformat(), "to": days_ago(3).isoformat()}).json()

    assert body["cost_of_goods_sold"] == "50.00"  # 5 × 4.00 + 2 × 15.00
    assert body == expected_sales(books, days_ago(3), days_ago(3))


def test_sales_in_an_explicit_range_include_both_ends(sales, books, admin_client, get):
    params = {"from": days_ago(40).isoformat(), "to": days_ago(3).isoformat()}

    body = get(admin_client, SALES, **params).json()

    assert body == expected_sales(books, days_ago(40), days_ago(3))
    assert body["units_sold"] == 9 + 5 + 2


def test_manager_sales_cover_only_their_warehouses(sales, books, manager_client, get, warehouse):
    body = get(manager_client, SALES).json()

    assert body == expected_sales(books, days_ago(29), TODAY, warehouse_ids={warehouse.pk})
    assert body["orders_count"] == 2


def test_admin_sales_of_one_warehouse(sales, books, admin_client, get, other_warehouse):
    body = get(admin_client, SALES, warehouse=other_warehouse.pk).json()

    assert body == expected_sales(books, days_ago(29), TODAY, warehouse_ids={other_warehouse.pk})


def test_a_range_without_sales_has_zero_figures_and_no_margin_percent(sales, admin_client, get):
    body = get(admin_client, SALES, **{"from": "2020-01-01", "to": "2020-01-02"}).json()

    assert (body["orders_count"], body["units_sold"], body["total_sales_amount"]) == (0, 0, "0.00")
    assert (body["cost_of_goods_sold"], body["gross_margin"], body["gross_margin_percent"]) == ("0.00", "0.00", None)
    assert [day["date"] for day in body["by_day"]] == ["2020-01-01", "2020-01-02"]


def expected_top(books, start, end, *, by, limit, warehouse_ids=None):
    totals: dict = {}
    for sale in books.sales:
        if not start <= sale.day <= end or (warehouse_ids is not None and sale.warehouse_id not in warehouse_ids):
            continue
        row = totals.setdefault(
            sale.product_id,
            {"product": sale.product_id, "product_name": sale.product_name, "units": 0, "revenue": Decimal(0)},
        )
        row["units"] += sale.net_units
        row["revenue"] += sale.net_units * sale.price
    rows = [row for row in totals.values() if row["units"] > 0]
    first, second = ("units", "revenue") if by == "units" else ("revenue", "units")
    rows.sort(key=lambda row: (-row[first], -row[second], row["product"]))
    return [{**row, "revenue": money(row["revenue"])} for row in rows[:limit]]


def test_top_products_by_units_group_variants_of_a_product(sales, books, admin_client, get):
    body = get(admin_client, TOP, by="units").json()

    assert body == expected_top(books, days_ago(29), TODAY, by="units", limit=10)
    # Tea: 5 + 2 kept of the large variant; cake: 2 + 4.
    assert [(row["product_name"], row["units"], row["revenue"]) for row in body] == [
        ("Tea", 7, "74.00"),
        ("Cake", 6, "148.00"),
    ]


def test_top_products_by_revenue(sales, books, admin_client, get):
    body = get(admin_client, TOP, by="revenue").json()

    assert body == expected_top(books, days_ago(29), TODAY, by="revenue", limit=10)
    assert [row["product_name"] for row in body] == ["Cake", "Tea"]


def test_top_products_limit_and_range(sales, books, admin_client, get):
    params = {"from": days_ago(60).isoformat(), "to": TODAY.isoformat(), "limit": 1}

    body = get(admin_client, TOP, **params).json()

    assert body == expected_top(books, days_ago(60), TODAY, by="units", limit=1)
    assert body[0]["units"] == 16  # the tea sold 40 days ago counts in this range


def test_manager_top_products_cover_only_their_warehouses(sales, books, manager_client, get, warehouse):
    body = get(manager_client, TOP, by="revenue").json()

    assert body == expected_top(books, days_ago(29), TODAY, by="revenue", limit=10, warehouse_ids={warehouse.pk})
