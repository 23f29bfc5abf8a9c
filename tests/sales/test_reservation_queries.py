"""The routes that reserve (create a pending order, fulfil it, top it up) run as many queries for 10 reserved lines
as for 1: the serializer, the ledger and the reservation services work on sets of rows, never a statement per line.

The one statement that depends on the order is the ledger's lock of the products whose totals change: taken only
when there are several (one product's total is locked by its UPDATE), once whatever their number.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.catalog.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

ORDERS = "/api/sales-orders/"


@pytest.fixture
def variants(org, warehouse, shelve):
    """`variants(n, units, one_product)`: n variants (of one product, or each of its own), `units` of each shelved."""

    def make(count: int, units: int, one_product: bool = False):
        product = ProductFactory(organization=org) if one_product else None
        extra = {"product": product} if product else {}
        made = VariantFactory.create_batch(count, organization=org, **extra)
        for variant in made:
            shelve(variant, warehouse, units)
        return made

    return make


@pytest.fixture
def short_order(viewer_client, manager_client, warehouse, variants):
    """`short_order(n, one_product)`: a pending order of n lines, each holding 1 of the 3 units it wants while 4 more
    are available (another request held them when this one was created, then was cancelled: a release tops up
    nobody). Fulfilling it consumes the reservation and takes the rest; topping it up fills every line.
    """

    def make(size: int, one_product: bool = False) -> dict:
        chosen = variants(size, 5, one_product)
        first = _pending(viewer_client, warehouse, chosen, 4)
        order = _pending(viewer_client, warehouse, chosen, 3)
        assert order["reservation_status"] == "partial"
        assert manager_client.post(f"{ORDERS}{first['id']}/cancel/").status_code == 200
        return order

    return make


def _pending(client, warehouse, variants, quantity: int) -> dict:
    items = [{"variant": variant.pk, "quantity": quantity} for variant in variants]
    response = client.post(ORDERS, {"warehouse": warehouse.pk, "status": "pending", "items": items}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def _queries(call) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    return len(captured), response


def test_creating_a_pending_order_costs_the_same_for_1_and_10_reserved_lines(viewer_client, warehouse, variants):
    _pending(viewer_client, warehouse, variants(1, 5), 1)  # the organization's first order creates its numbering
    counts = []
    for size in (1, 10):
        chosen = variants(size, 5)
        count, order = _queries(lambda chosen=chosen: _pending(viewer_client, warehouse, chosen, 2))
        assert order["reservation_status"] == "reserved" and len(order["items"]) == size
        counts.append(count)

    assert counts[0] == counts[1], counts


def test_topping_up_costs_the_same_for_1_and_10_short_lines(manager_client, short_order):
    counts = []
    for size in (1, 10):
        order = short_order(size)
        count, response = _queries(lambda order=order: manager_client.post(f"{ORDERS}{order['id']}/reserve/"))
        assert response.status_code == 200, response.json()
        assert response.json()["reservation_status"] == "reserved"
        assert [item["quantity_reserved"] for item in response.json()["items"]] == [3] * size
        counts.append(count)

    assert counts[0] == counts[1], counts


@pytest.mark.parametrize(("sizes", "one_product"), [((1, 10), True), ((2, 10), False)])
def test_fulfilling_costs_the_same_for_1_and_10_reserved_lines(manager_client, short_order, sizes, one_product):
    counts = []
    for size in sizes:
        order = short_order(size, one_product)
        count, response = _queries(lambda order=order: manager_client.post(f"{ORDERS}{order['id']}/fulfill/"))
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "fulfilled"
        counts.append(count)

    assert counts[0] == counts[1], counts


def test_a_line_of_another_product_adds_only_the_products_lock(manager_client, short_order):
    small, large = short_order(1), short_order(10)
    one_line, _ = _queries(lambda: manager_client.post(f"{ORDERS}{small['id']}/fulfill/"))
    ten_products, _ = _queries(lambda: manager_client.post(f"{ORDERS}{large['id']}/fulfill/"))

    assert ten_products == one_line + 1


def test_lines_read_in_bulk_still_name_each_bad_variant(viewer_client, warehouse, variants, other_org):
    good = variants(1, 5)[0]
    foreign = VariantFactory(organization=other_org)
    items = [good.pk, foreign.pk, 10**9, "abc", True, str(good.pk), 10**30]
    body = {"warehouse": warehouse.pk, "items": [{"variant": pk, "quantity": 1} for pk in items]}

    response = viewer_client.post(ORDERS, body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {  # as when each line was read on its own
        "items.1.variant": [f'Invalid pk "{foreign.pk}" - object does not exist.'],
        "items.2.variant": ['Invalid pk "1000000000" - object does not exist.'],
        "items.3.variant": ["Incorrect type. Expected pk value, received str."],
        "items.4.variant": ["Incorrect type. Expected pk value, received bool."],
        "items.6.variant": [f'Invalid pk "{10**30}" - object does not exist.'],
    }
