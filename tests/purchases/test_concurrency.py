"""Real concurrency on PostgreSQL: threads with their own connections, started together at a barrier.

Each scenario runs several rounds: a race that is lost only sometimes still fails the test most runs.
"""

from collections import Counter
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.exceptions import InvalidTransition
from purchases.models import PurchaseOrder
from purchases.services import ReceiptLine, purchase_order_receive
from tests.concurrency import run_together
from tests.purchases.ledger import on_hand, purchase_movements
from tests.stock.invariants import assert_ledger_consistent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROUNDS = 3


def _kinds(results) -> Counter:
    return Counter(type(result).__name__ for result in results)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_ten_parallel_receives_of_one_order_receive_it_once(make_order, admin, variant, variant_b, warehouse, round_):
    order = make_order([(variant, 10, "2.00"), (variant_b, 4, "5.00")], status="submitted")

    results = run_together(10, lambda _: purchase_order_receive(order=order, by=admin))

    assert _kinds(results) == {"PurchaseOrder": 1, "InvalidTransition": 9}, results
    order.refresh_from_db()
    assert order.status == "received"
    assert (on_hand(variant, warehouse), on_hand(variant_b, warehouse)) == (10, 4)
    assert purchase_movements(order).count() == 2
    assert_ledger_consistent(order.organization)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_ten_parallel_receives_over_http_mixing_post_and_patch_receive_once(
    make_order, admin, variant, warehouse, round_
):
    order = make_order([(variant, 10, "2.00")], status="submitted")
    receive_url = reverse("purchases:purchase-order-receive", args=[order.pk])
    detail_url = reverse("purchases:purchase-order-detail", args=[order.pk])

    def receive(index):
        client = APIClient()
        client.force_authenticate(admin)
        if index % 2:
            return client.patch(detail_url, {"status": "received"}, format="json").status_code
        return client.post(receive_url, format="json").status_code

    results = run_together(10, receive)

    assert Counter(results) == {200: 1, 409: 9}, results
    assert on_hand(variant, warehouse) == 10
    assert purchase_movements(order).count() == 1
    variant.refresh_from_db()
    assert variant.cost == Decimal("2.00")


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_parallel_partial_receipts_never_take_a_line_past_what_was_ordered(
    make_order, admin, variant, warehouse, round_
):
    order = make_order([(variant, 5, "2.00")], status="submitted")
    item_id = order.items.get().pk

    results = run_together(
        10, lambda _: purchase_order_receive(order=order, by=admin, lines=[ReceiptLine(item_id, 1)])
    )

    kinds = _kinds(results)
    assert kinds["PurchaseOrder"] == 5, results
    # Once the line is full the order is received: late comers see a ValidationError or an InvalidTransition.
    assert kinds["ValidationError"] + kinds["InvalidTransition"] == 5, results
    order.refresh_from_db()
    assert order.status == "received"
    assert order.items.get().quantity_received == 5
    assert on_hand(variant, warehouse) == 5
    assert_ledger_consistent(order.organization)


def test_twenty_parallel_creations_get_twenty_distinct_consecutive_numbers(admin, supplier, warehouse, variant):
    url = reverse("purchases:purchase-order-list")
    body = {
        "supplier": supplier.pk,
        "warehouse": warehouse.pk,
        "items": [{"variant": variant.pk, "quantity_ordered": 1, "unit_cost": "1.00"}],
    }

    def create(_):
        client = APIClient()
        client.force_authenticate(admin)
        response = client.post(url, body, format="json")
        return response.status_code, response.json().get("number")

    results = run_together(20, create)

    assert [status for status, _ in results] == [201] * 20, results
    assert sorted(number for _, number in results) == [f"PO-{n:05d}" for n in range(1, 21)]
    assert sorted(PurchaseOrder.objects.values_list("number", flat=True)) == [f"PO-{n:05d}" for n in range(1, 21)]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_parallel_receipts_of_one_variant_average_its_cost_from_each_others_result(
    make_order, admin, variant, warehouse, other_warehouse, round_
):
    cheap = make_order([(variant, 10, "2.00")], status="submitted")
    dear = make_order([(variant, 10, "4.00")], status="submitted", warehouse=other_warehouse)

    results = run_together(2, lambda index: purchase_order_receive(order=(cheap, dear)[index], by=admin))

    assert _kinds(results) == {"PurchaseOrder": 2}, results
    variant.refresh_from_db()
    assert variant.cost == Decimal("3.00")


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_orders_of_the_same_variants_in_opposite_order_never_deadlock(
    make_order, admin, variant, variant_b, warehouse, round_
):
    orders = [
        make_order([(variant, 3, "1.00"), (variant_b, 3, "1.00")], status="submitted"),
        make_order([(variant_b, 3, "1.00"), (variant, 3, "1.00")], status="submitted"),
    ] * 3

    results = run_together(6, lambda index: purchase_order_receive(order=orders[index], by=admin))

    # Orders 0/2/4 and 1/3/5 are the same two orders: each received exactly once, no deadlock errors.
    assert _kinds(results) == {"PurchaseOrder": 2, "InvalidTransition": 4}, results
    assert (on_hand(variant, warehouse), on_hand(variant_b, warehouse)) == (6, 6)
    assert_ledger_consistent(variant.organization)


def test_invalid_transition_is_what_losers_see(make_order, admin, variant):
    # Guards the assertions above: a second receive of a received order is an InvalidTransition, not a silent no-op.
    order = make_order([(variant, 1, "1.00")], status="received")

    with pytest.raises(InvalidTransition):
        purchase_order_receive(order=order, by=admin)
