"""`purchases.services`: every status move (submit, receive, cancel, set_status), legal or not, and who may."""

from decimal import Decimal

import pytest

from core.exceptions import InvalidInput, InvalidTransition, NotPermitted
from purchases.services import (
    ReceiptLine,
    purchase_order_cancel,
    purchase_order_receive,
    purchase_order_set_status,
    purchase_order_submit,
)
from stock.models import StockMovement
from tests.purchases.ledger import on_hand, purchase_movements
from tests.stock.invariants import assert_ledger_consistent

STATUSES = ["draft", "submitted", "partially_received", "received", "cancelled"]


# --- Status moves ---------------------------------------------------------------------------------------------


def test_submit_moves_a_draft_to_submitted(order_in, admin):
    order = purchase_order_submit(order=order_in("draft"), by=admin)

    order.refresh_from_db()
    assert order.status == "submitted" and order.submitted_at is not None


@pytest.mark.parametrize("status", ["submitted", "partially_received", "received", "cancelled"])
def test_submit_is_refused_from_every_status_but_draft(order_in, admin, status):
    order = order_in(status)

    with pytest.raises(InvalidTransition):
        purchase_order_submit(order=order, by=admin)

    order.refresh_from_db()
    assert order.status == status


@pytest.mark.parametrize("status", ["draft", "submitted"])
def test_cancel_moves_a_draft_or_submitted_order_to_cancelled(order_in, admin, status):
    order = purchase_order_cancel(order=order_in(status), by=admin)

    order.refresh_from_db()
    assert order.status == "cancelled" and order.cancelled_at is not None
    assert StockMovement.objects.count() == 0


@pytest.mark.parametrize("status", ["partially_received", "received", "cancelled"])
def test_cancel_is_refused_once_goods_came_in_or_already_cancelled(order_in, admin, status):
    order = order_in(status)
    movements = StockMovement.objects.count()

    with pytest.raises(InvalidTransition):
        purchase_order_cancel(order=order, by=admin)

    order.refresh_from_db()
    assert order.status == status
    assert StockMovement.objects.count() == movements


@pytest.mark.parametrize("status", ["draft", "received", "cancelled"])
def test_receive_is_refused_unless_submitted_or_partially_received(order_in, admin, variant, warehouse, status):
    order = order_in(status)
    stock = on_hand(variant, warehouse)

    with pytest.raises(InvalidTransition):
        purchase_order_receive(order=order, by=admin)

    order.refresh_from_db()
    assert order.status == status
    assert on_hand(variant, warehouse) == stock


def test_receive_everything_open_writes_one_purchase_movement_per_line(order_in, admin, variant, variant_b, warehouse):
    order = order_in("submitted")

    order = purchase_order_receive(order=order, by=admin)

    assert order.status == "received" and order.received_at is not None
    movements = list(purchase_movements(order))
    assert [(m.variant_id, m.movement_type, m.reason, m.quantity, m.unit_cost) for m in movements] == [
        (variant.pk, "IN", "purchase", 10, Decimal("2.00")),
        (variant_b.pk, "IN", "purchase", 5, Decimal("3.00")),
    ]
    assert all(m.warehouse_id == warehouse.pk and m.performed_by == admin for m in movements)
    assert (on_hand(variant, warehouse), on_hand(variant_b, warehouse)) == (10, 5)
    assert_ledger_consistent(order.organization)


def test_partial_receipts_move_to_partially_received_then_received(order_in, admin, variant, variant_b, warehouse):
    order = order_in("submitted")
    first, second = order.items.order_by("id")

    order = purchase_order_receive(order=order, by=admin, lines=[ReceiptLine(first.pk, 4)])
    assert order.status == "partially_received" and order.received_at is None
    assert (on_hand(variant, warehouse), on_hand(variant_b, warehouse)) == (4, 0)

    order = purchase_order_receive(order=order, by=admin, lines=[ReceiptLine(first.pk, 6), ReceiptLine(second.pk, 2)])
    assert order.status == "partially_received"

    order = purchase_order_receive(order=order, by=admin)  # the rest: 3 of the second line
    assert order.status == "received" and order.received_at is not None
    assert (on_hand(variant, warehouse), on_hand(variant_b, warehouse)) == (10, 5)
    assert [m.quantity for m in purchase_movements(order)] == [4, 6, 2, 3]
    assert list(order.items.order_by("id").values_list("quantity_received", flat=True)) == [10, 5]
    assert_ledger_consistent(order.organization)


def test_receiving_more_than_is_open_names_the_line_and_changes_nothing(order_in, admin, variant, warehouse):
    order = order_in("partially_received")  # 4 of 10 in on the first line
    first, second = order.items.order_by("id")

    with pytest.raises(InvalidInput) as raised:
        purchase_order_receive(order=order, by=admin, lines=[ReceiptLine(second.pk, 1), ReceiptLine(first.pk, 7)])

    assert set(raised.value.errors) == {"items.1.quantity"}
    order.refresh_from_db()
    assert order.status == "partially_received"
    assert on_hand(variant, warehouse) == 4
    assert list(order.items.order_by("id").values_list("quantity_received", flat=True)) == [4, 0]


def test_two_receipt_lines_for_one_item_count_together_against_what_is_open(order_in, admin, variant, warehouse):
    order = order_in("submitted")
    first = order.items.order_by("id").first()

    with pytest.raises(InvalidInput) as raised:
        purchase_order_receive(order=order, by=admin, lines=[ReceiptLine(first.pk, 6), ReceiptLine(first.pk, 6)])

    assert set(raised.value.errors) == {"items.1.quantity"}
    assert on_hand(variant, warehouse) == 0


def test_receiving_a_line_of_another_order_is_refused(order_in, admin, make_order, variant, warehouse):
    order = order_in("submitted")
    other = make_order([(variant, 3, "1.00")], status="submitted")

    with pytest.raises(InvalidInput) as raised:
        purchase_order_receive(order=order, by=admin, lines=[ReceiptLine(other.items.get().pk, 1)])

    assert set(raised.value.errors) == {"items.0.item"}
    assert on_hand(variant, warehouse) == 0


def test_the_same_variant_on_two_lines_is_received_line_by_line(make_order, admin, variant, warehouse):
    order = make_order([(variant, 10, "2.00"), (variant, 10, "4.00")], status="submitted")
    first, second = order.items.order_by("id")

    order = purchase_order_receive(order=order, by=admin, lines=[ReceiptLine(second.pk, 10)])
    assert order.status == "partially_received"
    order = purchase_order_receive(order=order, by=admin)

    assert order.status == "received"
    assert [(m.quantity, m.unit_cost, m.balance_after) for m in purchase_movements(order)] == [
        (10, Decimal("4.00"), 10),
        (10, Decimal("2.00"), 20),
    ]
    assert on_hand(variant, warehouse) == 20
    variant.refresh_from_db()
    assert variant.cost == Decimal("3.00")


def test_the_same_variant_on_two_lines_received_at_once_averages_their_costs(make_order, variant, warehouse):
    make_order([(variant, 10, "2.00"), (variant, 30, "4.00")], status="received")

    variant.refresh_from_db()
    assert on_hand(variant, warehouse) == 40
    assert variant.cost == Decimal("3.50")


# --- PATCH status ---------------------------------------------------------------------------------------------


def test_set_status_received_does_what_receive_does(order_in, admin, variant, variant_b, warehouse):
    order = purchase_order_set_status(order=order_in("partially_received"), by=admin, status="received")

    assert order.status == "received"
    assert (on_hand(variant, warehouse), on_hand(variant_b, warehouse)) == (10, 5)


LEGAL = {
    ("draft", "submitted"),
    ("draft", "cancelled"),
    ("submitted", "received"),
    ("submitted", "cancelled"),
    ("partially_received", "received"),
}


@pytest.mark.parametrize(
    ("current", "target"), [(c, t) for c in STATUSES for t in STATUSES if (c, t) not in LEGAL], ids=str
)
def test_set_status_refuses_every_move_the_contract_does_not_draw(order_in, admin, current, target):
    order = order_in(current)
    movements = StockMovement.objects.count()

    with pytest.raises(InvalidTransition):
        purchase_order_set_status(order=order, by=admin, status=target)

    order.refresh_from_db()
    assert order.status == current
    assert StockMovement.objects.count() == movements


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL), ids=str)
def test_set_status_makes_every_move_the_contract_draws(order_in, admin, current, target):
    order = purchase_order_set_status(order=order_in(current), by=admin, status=target)

    order.refresh_from_db()
    assert order.status == target


def test_toggling_a_received_order_back_and_forth_applies_its_stock_exactly_once(order_in, admin, variant, warehouse):
    order = order_in("submitted")
    purchase_order_set_status(order=order, by=admin, status="received")

    for status in ["draft", "submitted", "received", "partially_received", "received", "cancelled", "received"]:
        with pytest.raises(InvalidTransition):
            purchase_order_set_status(order=order, by=admin, status=status)
        with pytest.raises(InvalidTransition):
            purchase_order_receive(order=order, by=admin)

    order.refresh_from_db()
    assert order.status == "received"
    assert on_hand(variant, warehouse) == 10
    assert purchase_movements(order).count() == 2
    assert_ledger_consistent(order.organization)


def test_staff_may_receive_but_not_submit_or_cancel(order_in, staff):
    with pytest.raises(NotPermitted):
        purchase_order_set_status(order=order_in("draft"), by=staff, status="submitted")
    with pytest.raises(NotPermitted):
        purchase_order_set_status(order=order_in("submitted"), by=staff, status="cancelled")

    order = purchase_order_set_status(order=order_in("submitted"), by=staff, status="received")

    assert order.status == "received"


def test_a_manager_cannot_touch_an_order_of_a_warehouse_not_theirs(make_order, manager, variant, other_warehouse):
    order = make_order([(variant, 1, "1.00")], status="submitted", warehouse=other_warehouse)

    for action in (purchase_order_receive, purchase_order_cancel):
        with pytest.raises(NotPermitted):
            action(order=order, by=manager)

    order.refresh_from_db()
    assert order.status == "submitted"
