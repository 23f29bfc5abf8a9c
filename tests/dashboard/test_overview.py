"""`GET /api/dashboard/` and `GET /api/dashboard/low-stock/`: figures checked against the test's own books."""

from decimal import Decimal

import pytest

from stock.models import StockLevel
from stock.services import stock_level_update
from tests.dashboard.conftest import TODAY, days_ago
from tests.dashboard.helpers import money
from tests.suppliers.factories import SupplierFactory

OVERVIEW = "/api/dashboard/"
LOW_STOCK = "/api/dashboard/low-stock/"


@pytest.fixture
def shop(
    org,
    other_org,
    warehouse,
    other_warehouse,
    foreign_warehouse,
    admin,
    other_admin,
    staff,
    supplier,
    category,
    make_variant,
    books,
):
    """Two warehouses, four stocked products in two categories (two expired) and one without a category.

    `reorder` holds each (variant, warehouse)'s effective reorder level, as the test set it.
    """
    tea, coffee, empty = category("Tea"), category("Coffee"), category("Empty")
    SupplierFactory(organization=org, name="Second supplier")
    green = make_variant("Green tea", "2.50", "4.00", category=tea, reorder_level=5)
    black = make_variant("Black tea", "1.25", "3.00", category=tea)
    beans = make_variant("Old beans", "1.00", "12.00", category=coffee, reorder_level=2, expires=days_ago(1))
    loose = make_variant("Loose leaf", "0.75", "1.50")
    fresh = make_variant("Fresh today", "3.00", "5.00", category=coffee, expires=TODAY)  # expired: its date is today

    books.add(green, warehouse, 20, by=admin, day=days_ago(10))
    books.sell(warehouse, [(green, 17)], by=staff, day=days_ago(2))
    books.add(black, warehouse, 10, by=admin, day=days_ago(10))
    books.add(black, other_warehouse, 4, by=admin, day=days_ago(10))
    books.purchase(beans, warehouse, 6, Decimal("7.00"), by=admin, supplier=supplier, day=days_ago(9))
    books.add(loose, other_warehouse, 8, by=admin, day=days_ago(10))
    books.add(fresh, warehouse, 2, by=admin, day=days_ago(10))
    stock_level_update(
        level=StockLevel.objects.get(variant=loose, warehouse=other_warehouse), by=admin, reorder_level_override=9
    )

    # Another organization's stock, which no figure may include.
    foreign = make_variant("Foreign tea", "100.00", "200.00", organization=other_org, reorder_level=1000)
    books_elsewhere = type(books)()
    books_elsewhere.add(foreign, foreign_warehouse, 50, by=other_admin, day=days_ago(3))

    variants = {v.pk: v for v in (green, black, beans, loose, fresh)}
    reorder = {
        (green.pk, warehouse.pk): 5,
        (black.pk, warehouse.pk): 0,
        (black.pk, other_warehouse.pk): 0,
        (beans.pk, warehouse.pk): 2,
        (loose.pk, other_warehouse.pk): 9,
        (fresh.pk, warehouse.pk): 0,
    }
    return {
        "variants": variants,
        "categories": {green.pk: tea, black.pk: tea, beans.pk: coffee, loose.pk: None, fresh.pk: coffee},
        "empty": empty,
        "expired": {beans.pk, fresh.pk},
        "reorder": reorder,
        "green": green,
        "loose": loose,
    }


def expected_overview(shop, books, warehouse_ids, *, products, categories, suppliers, expired_products):
    holdings = [
        (variant_id, warehouse_id, units)
        for (variant_id, warehouse_id), units in books.on_hand.items()
        if warehouse_id in warehouse_ids
    ]
    variants = shop["variants"]
    at_cost = {key: Decimal(0) for key in ("total", "expired")}
    retail = Decimal(0)
    per_category: dict = {}
    for variant_id, _, units in holdings:
        value = units * variants[variant_id].cost
        at_cost["total"] += value
        retail += units * variants[variant_id].price
        if variant_id in shop["expired"]:
            at_cost["expired"] += value
        category = shop["categories"][variant_id]
        key = (category.pk, category.name) if category else (None, "Uncategorized")
        per_category[key] = per_category.get(key, Decimal(0)) + value
    low = sum(1 for v, w, units in holdings if units <= shop["reorder"][(v, w)])
    return {
        "counts": {
            "total_products": products,
            "total_categories": categories,
            "total_suppliers": suppliers,
            "total_warehouses": len(warehouse_ids),
            "low_stock": low,
            "expired_products": expired_products,
        },
        "stock": {
            "total_stock": sum(units for _, _, units in holdings),
            "total_reserved": 0,
            "total_available": sum(units for _, _, units in holdings),
        },
        "financial": {
            "total_inventory_value": money(at_cost["total"]),
            "total_retail_value": money(retail),
            "expired_inventory_value": money(at_cost["expired"]),
            "real_inventory_value": money(at_cost["total"] - at_cost["expired"]),
        },
        "per_category": {key: money(value) for key, value in per_category.items()},
    }


def analytics_by_key(body):
    return {(row["category"], row["category_name"]): row["total_value"] for row in body["analytics"]}


def test_admin_overview_adds_up_every_warehouse_of_the_organization(
    shop, books, admin_client, get, warehouse, other_warehouse
):
    expected = expected_overview(
        shop, books, {warehouse.pk, other_warehouse.pk}, products=5, categories=3, suppliers=2, expired_products=2
    )

    response = get(admin_client, OVERVIEW)

    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == expected["counts"]
    assert body["stock"] == expected["stock"]
    assert body["financial"] == expected["financial"]
    # One row per category, the empty one at zero, plus the products without a category.
    assert analytics_by_key(body) == {**expected["per_category"], (shop["empty"].pk, "Empty"): "0.00"}


def test_overview_values_are_the_hand_checked_sums(shop, admin_client, get):
    # The same figures as above, worked out by hand once, so a mistake shared by the books and the API shows.
    body = get(admin_client, OVERVIEW).json()

    # green 3 × 2.50 + black 14 × 1.25 + beans 6 × 7.00 + loose 8 × 0.75 + fresh 2 × 3.00
    assert body["financial"]["total_inventory_value"] == "79.00"
    # green 3 × 4.00 + black 14 × 3.00 + beans 6 × 12.00 + loose 8 × 1.50 + fresh 2 × 5.00
    assert body["financial"]["total_retail_value"] == "148.00"
    # beans 6 × 7.00 (expired yesterday) + fresh 2 × 3.00 (expires today, so expired)
    assert body["financial"]["expired_inventory_value"] == "48.00"
    assert body["financial"]["real_inventory_value"] == "31.00"
    assert body["stock"]["total_stock"] == 33
    assert body["counts"]["low_stock"] == 2  # green at main (3 <= 5), loose at the annex (8 <= override 9)


def test_manager_overview_covers_only_their_warehouses(shop, books, admin_client, manager_client, get, warehouse):
    get(admin_client, OVERVIEW)  # an admin's cached overview must not be served to the manager
    expected = expected_overview(
        shop, books, {warehouse.pk}, products=5, categories=3, suppliers=2, expired_products=2
    )

    body = get(manager_client, OVERVIEW).json()

    assert body["counts"] == expected["counts"]
    assert body["stock"] == expected["stock"]
    assert body["financial"] == expected["financial"]
    per_category = analytics_by_key(body)
    assert (None, "Uncategorized") not in per_category  # loose leaf is only at the annex
    assert {key: value for key, value in per_category.items() if value != "0.00"} == expected["per_category"]


def test_admin_overview_of_one_warehouse(shop, books, admin_client, get, other_warehouse):
    expected = expected_overview(
        shop, books, {other_warehouse.pk}, products=5, categories=3, suppliers=2, expired_products=2
    )

    body = get(admin_client, OVERVIEW, warehouse=other_warehouse.pk).json()

    assert body["counts"] == expected["counts"]
    assert body["stock"] == expected["stock"]
    assert body["financial"] == expected["financial"]


def test_analytics_rows_are_ordered_by_value_highest_first(shop, admin_client, get):
    rows = get(admin_client, OVERVIEW).json()["analytics"]
    categorized = [Decimal(row["total_value"]) for row in rows if row["category"] is not None]

    assert categorized == sorted(categorized, reverse=True)
    assert rows[-1]["category_name"] == "Uncategorized"


def test_an_organization_without_stock_shows_zeros(admin_client, get, warehouse):
    body = get(admin_client, OVERVIEW).json()

    assert body["stock"] == {"total_stock": 0, "total_reserved": 0, "total_available": 0}
    assert body["financial"] == {
        "total_inventory_value": "0.00",
        "total_retail_value": "0.00",
        "expired_inventory_value": "0.00",
        "real_inventory_value": "0.00",
    }
    assert body["counts"]["total_warehouses"] == 1
    assert body["analytics"] == []


def test_low_stock_lists_the_low_levels_in_scope_most_urgent_first(
    org, admin, admin_client, manager_client, get, warehouse, other_warehouse, make_variant, books
):
    # Given levels below, at and above their reorder levels (shortfall = quantity − reorder level).
    far_below = make_variant("Far below", "1.00", "2.00", reorder_level=10)  # 2 − 10 = −8
    at_level = make_variant("At level", "1.00", "2.00", reorder_level=4)  # 4 − 4 = 0
    slightly = make_variant("Slightly", "1.00", "2.00", reorder_level=7)  # 5 − 7 = −2
    tie_fewer = make_variant("Tie fewer", "1.00", "2.00", reorder_level=3)  # 1 − 3 = −2, fewer units
    fine = make_variant("Fine", "1.00", "2.00", reorder_level=1)
    for variant, units in ((far_below, 2), (at_level, 4), (slightly, 5), (tie_fewer, 1), (fine, 9)):
        books.add(variant, warehouse, units, by=admin, day=days_ago(1))
    annex_low = make_variant("Annex low", "1.00", "2.00", reorder_level=50)
    books.add(annex_low, other_warehouse, 1, by=admin, day=days_ago(1))

    admin_rows = get(admin_client, LOW_STOCK).json()
    manager_rows = get(manager_client, LOW_STOCK).json()

    assert [row["product_name"] for row in admin_rows["results"]] == [
        "Annex low", "Far below", "Tie fewer", "Slightly", "At level"
    ]  # fmt: skip
    assert admin_rows["count"] == 5
    assert [row["product_name"] for row in manager_rows["results"]] == [
        "Far below",
        "Tie fewer",
        "Slightly",
        "At level",
    ]
    first = manager_rows["results"][0]
    assert (first["quantity"], first["reorder_level"], first["is_low_stock"]) == (2, 10, True)
    assert first["warehouse"] == warehouse.pk


def test_low_stock_is_paginated(admin, admin_client, get, warehouse, make_variant, books):
    for index in range(3):
        books.add(make_variant(f"Low {index}", "1.00", "2.00", reorder_level=5), warehouse, 1, by=admin, day=TODAY)

    body = get(admin_client, LOW_STOCK, page_size=2).json()

    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"] is not None
