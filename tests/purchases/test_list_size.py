"""A page of purchase orders stays small whatever the orders hold: a bounded number of lines each, plus their count."""

from decimal import Decimal

import pytest

from core.pagination import LIST_ITEMS
from tests.catalog.factories import VariantFactory
from tests.order_lists import assert_bounded
from tests.purchases.factories import PurchaseOrderFactory

pytestmark = pytest.mark.django_db


def test_a_page_of_orders_with_many_lines_costs_what_one_line_orders_cost(admin_client, org, warehouse):
    variant = VariantFactory(organization=org)

    def make_orders(lines):
        for _ in range(3):
            PurchaseOrderFactory(organization=org, warehouse=warehouse, items=lines, items__variant=variant)

    assert_bounded(admin_client, "/api/purchase-orders/", make_orders)


def test_the_list_totals_every_line_and_the_order_route_shows_them_all(admin_client, org, warehouse):
    lines = LIST_ITEMS + 5
    variant = VariantFactory(organization=org)
    order = PurchaseOrderFactory(organization=org, warehouse=warehouse, items=lines, items__variant=variant)

    listed = admin_client.get("/api/purchase-orders/").json()["results"][0]
    detail = admin_client.get(f"/api/purchase-orders/{order.pk}/").json()

    assert len(listed["items"]) == LIST_ITEMS and listed["items_count"] == lines
    assert Decimal(listed["total_amount"]) == Decimal("20.00") * lines
    assert len(detail["items"]) == lines and detail["items_count"] == lines
