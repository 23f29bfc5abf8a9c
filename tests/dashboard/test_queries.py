"""Every dashboard route runs a fixed number of queries, whatever the size of the organization."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.dashboard.conftest import TODAY, days_ago
from users.models import User

# The most queries each route may run (for an admin; a manager's own warehouses cost one more).
BUDGETS = {
    "/api/dashboard/": 3,
    "/api/dashboard/low-stock/": 2,
    "/api/dashboard/sales/": 3,
    "/api/dashboard/top-products/": 1,
    "/api/dashboard/trends/": 1,
    "warehouse": 5,
}


def grow(books, count, *, start, warehouse, other_warehouse, admin, staff, category, make_variant):
    """`count` more products, each stocked in both warehouses, sold on two days, one unit of it returned."""
    for index in range(start, start + count):
        variant = make_variant(
            f"Product {index}",
            "2.00",
            "5.00",
            category=category(f"Category {index}"),
            reorder_level=8 if index % 2 else 0,
        )
        books.add(variant, warehouse, 10, by=admin, day=days_ago(5))
        books.add(variant, other_warehouse, 3, by=admin, day=days_ago(5))
        order = books.sell(warehouse, [(variant, 2), (variant, 1)], by=staff, day=days_ago(index % 3))
        books.return_items(order, [(0, 1)], by=staff, day=TODAY)
        books.sell(warehouse, [(variant, 1)], by=admin, day=TODAY)


def queries_of(client, url, get) -> int:
    cache.clear()  # measure the computation, not a cache hit
    with CaptureQueriesContext(connection) as context:
        response = get(client, url)
    assert response.status_code == 200, response.content
    return len(context.captured_queries)


@pytest.mark.parametrize("role", ["admin", "manager"])
@pytest.mark.parametrize("route", list(BUDGETS))
def test_query_count_does_not_grow_with_the_data(
    role, route, request, client_for, get, books, warehouse, other_warehouse, admin, staff, category, make_variant
):
    url = f"/api/dashboard/warehouses/{warehouse.pk}/" if route == "warehouse" else route
    user_id = request.getfixturevalue(role).pk

    def measure():
        # A fresh user object each time: the user's warehouse ids are cached on it for one request.
        return queries_of(client_for(User.objects.get(pk=user_id)), url, get)

    context = {
        "warehouse": warehouse,
        "other_warehouse": other_warehouse,
        "admin": admin,
        "staff": staff,
        "category": category,
        "make_variant": make_variant,
    }
    grow(books, 2, start=0, **context)
    small = measure()
    grow(books, 18, start=2, **context)
    large = measure()

    assert small <= large  # a short page is not counted: its rows tell the count
    allowance = 1 if role == "manager" else 0
    assert large <= BUDGETS[route] + allowance


def test_a_cached_response_runs_no_query(admin_client, get, books, warehouse, admin, make_variant):
    books.add(make_variant("Tea", "1.00", "2.00"), warehouse, 5, by=admin, day=TODAY)
    get(admin_client, "/api/dashboard/")

    with CaptureQueriesContext(connection) as context:
        response = get(admin_client, "/api/dashboard/")

    assert response.status_code == 200
    assert len(context.captured_queries) == 0


def test_low_stock_pages_of_5_and_100_cost_the_same_queries(admin_client, get, books, warehouse, admin, make_variant):
    for index in range(30):
        books.add(
            make_variant(f"Low {index}", "1.00", "2.00", reorder_level=50), warehouse, index + 1, by=admin, day=TODAY
        )

    small = queries_of(admin_client, "/api/dashboard/low-stock/?page_size=5", get)
    large = queries_of(admin_client, "/api/dashboard/low-stock/?page_size=100", get)

    assert small == BUDGETS["/api/dashboard/low-stock/"]
    assert large == small - 1  # 30 rows: a short page, whose rows tell the count
