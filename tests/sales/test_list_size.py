"""A page of sales orders stays small whatever the orders hold: a bounded number of lines each, plus their count."""

from decimal import Decimal

import pytest

from core.pagination import LIST_ITEMS
from tests.order_lists import assert_bounded
from tests.sales.factories import SalesOrderFactory

pytestmark = pytest.mark.django_db


def test_a_page_of_orders_with_many_lines_costs_what_one_line_orders_cost(admin_client, org, warehouse, admin, mug):
    def make_orders(lines):
        for _ in range(3):
            SalesOrderFactory(organization=org, warehouse=warehouse, created_by=admin, items=lines, items__variant=mug)

    assert_bounded(admin_client, "/api/sales-orders/", make_orders)


def test_the_list_totals_every_line_and_the_order_route_shows_them_all(admin_client, org, warehouse, admin, mug):
    lines = LIST_ITEMS + 5
    order = SalesOrderFactory(organization=org, warehouse=warehouse, created_by=admin, items=lines, items__variant=mug)

    listed = admin_client.get("/api/sales-orders/").json()["results"][0]
    detail = admin_client.get(f"/api/sales-orders/{order.pk}/").json()

    assert len(listed["items"]) == LIST_ITEMS and listed["items_count"] == lines
    assert Decimal(listed["total_amount"]) == Decimal("20.00") * lines  # every line, not the ones shown
    assert len(detail["items"]) == lines and detail["items_count"] == lines
    assert detail["items"][:LIST_ITEMS] == listed["items"]
