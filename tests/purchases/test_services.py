from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from core.exceptions import InvalidInput, InvalidTransition, NotPermitted
from purchases.models import PurchaseOrder, PurchaseOrderItem
from purchases.services import (
    ItemInput,
    ReceiptLine,
    purchase_order_cancel,
    purchase_order_create,
    purchase_order_receive,
    purchase_order_set_status,
    purchase_order_submit,
    purchase_order_update,
    purchase_order_update_items,
)
from stock.models import StockMovement
from stock.services import Reference, StockChange, stock_add
from tests.catalog.factories import VariantFactory
from tests.purchases.ledger import on_hand, purchase_movements
from tests.stock.invariants import assert_ledger_consistent
from tests.suppliers.factories import SupplierFactory
from tests.warehouses.factories import WarehouseFactory

STATUSES = ["draft", "submitted", "partially_received", "received", "cancelled"]


@pytest.fixture
def order_in(make_order, admin, variant, variant_b):
    """An order of two lines (10 × variant at 2.00, 5 × variant_b at 3.00) in the given status."""

    def make(status):
        lines = [(variant, 10, "2.00"), (variant_b, 5, "3.00")]
        if status == "partially_received":
            order = make_order(lines, status="submitted")
            first = order.items.order_by("id").first()
            return purchase_order_receive(order=order, by=admin, lines=[ReceiptLine(first.pk, 4)])
        if status == "cancelled":
            return purchase_order_cancel(order=make_order(lines), by=admin)
        return make_order(lines, status=status)

    return make


def _opening_stock(org, variant, warehouse, quantity, cost):
    stock_add(
        organization_id=org.pk,
        changes=[StockChange(variant.pk, warehouse.pk, quantity, Decimal(cost))],
        reason="opening",
        reference=Reference("test", 0),
    )


# --- Creating -------------------------------------------------------------------------------------------------


def test_create_makes_a_draft_with_its_lines_and_the_next_number(make_order, variant, variant_b, admin):
    first = make_order([(variant, 10, "2.00")])
    second = make_order([(variant, 3, "1.50"), (variant_b, 2, "4.00")])

    assert (first.number, second.number) == ("PO-00001", "PO-00002")
    assert second.status == "draft" and second.created_by == admin
    assert [(i.variant_id, i.quantity_ordered, i.unit_cost) for i in second.items.order_by("id")] == [
        (variant.pk, 3, Decimal("1.50")),
        (variant_b.pk, 2, Decimal("4.00")),
    ]
    assert StockMovement.objects.count() == 0


def test_numbers_are_sequential_within_each_organization(make_order, variant, other_admin, other_org):
    make_order([(variant, 1, "1.00")])
    foreign = purchase_order_create(
        organization_id=other_org.pk,
        by=other_admin,
        supplier=SupplierFactory(organization=other_org),
        warehouse=WarehouseFactory(organization=other_org),
        items=[ItemInput(VariantFactory(organization=other_org), 1, Decimal("1.00"))],
    )
    second = make_order([(variant, 1, "1.00")])

    assert foreign.number == "PO-00001"
    assert second.number == "PO-00002"


def test_create_without_items_is_refused_and_leaves_nothing(make_order):
    with pytest.raises(InvalidInput) as raised:
        make_order([])

    assert "items" in raised.value.errors
    assert not PurchaseOrder.objects.exists()


def test_unit_cost_defaults_to_the_variants_current_cost(org, admin, supplier, warehouse):
    variant = VariantFactory(organization=org, cost=Decimal("6.25"))

    order = purchase_order_create(
        organization_id=org.pk, by=admin, supplier=supplier, warehouse=warehouse, items=[ItemInput(variant, 2)]
    )

    assert order.items.get().unit_cost == Decimal("6.25")


def test_create_as_submitted_stamps_submitted_at_and_moves_no_stock(make_order, variant):
    order = make_order([(variant, 5, "2.00")], status="submitted")

    assert order.status == "submitted" and order.submitted_at is not None
    assert StockMovement.objects.count() == 0


def test_create_as_received_is_a_direct_purchase_that_brings_the_stock_in_at_once(make_order, variant, warehouse):
    order = make_order([(variant, 5, "2.00")], status="received")

    assert order.status == "received"
    assert order.submitted_at is not None and order.received_at is not None
    assert on_hand(variant, warehouse) == 5
    assert order.items.get().quantity_received == 5


def test_a_direct_purchase_that_fails_leaves_no_order_and_uses_no_number(make_order, variant, warehouse, monkeypatch):
    import purchases.services

    def broken(**kwargs):
        raise RuntimeError("ledger down")

    monkeypatch.setattr(purchases.services, "stock_add", broken)
    with pytest.raises(RuntimeError):
        make_order([(variant, 5, "2.00")], status="received")
    monkeypatch.undo()

    assert not PurchaseOrder.objects.exists()
    assert make_order([(variant, 1, "2.00")]).number == "PO-00001"


@pytest.mark.parametrize("status", ["submitted", "received"])
def test_staff_cannot_create_an_order_as_submitted_or_received(make_order, variant, staff, status):
    # A direct purchase ("received") submits the order too, and brings stock in at the order's unit costs.
    with pytest.raises(NotPermitted):
        make_order([(variant, 5, "2.00")], status=status, by=staff)

    assert not PurchaseOrder.objects.exists()
    assert not StockMovement.objects.exists()


def test_staff_creates_in_their_own_warehouse_only(make_order, variant, staff, other_warehouse):
    own = make_order([(variant, 5, "2.00")], by=staff)
    with pytest.raises(NotPermitted):
        make_order([(variant, 5, "2.00")], by=staff, warehouse=other_warehouse)

    assert own.status == "draft"
    assert PurchaseOrder.objects.count() == 1


# --- Editing --------------------------------------------------------------------------------------------------


def test_update_items_replaces_every_line_of_a_draft(make_order, admin, variant, variant_b):
    order = make_order([(variant, 10, "2.00"), (variant_b, 5, "3.00")])

    order = purchase_order_update_items(order=order, by=admin, items=[ItemInput(variant_b, 7, Decimal("3.10"))])

    assert [(i.variant_id, i.quantity_ordered, i.unit_cost) for i in order.items.all()] == [
        (variant_b.pk, 7, Decimal("3.10"))
    ]


@pytest.mark.parametrize("status", ["submitted", "partially_received", "received", "cancelled"])
def test_items_cannot_be_edited_once_the_order_left_draft(order_in, admin, variant, status):
    order = order_in(status)
    before = list(order.items.values_list("id", "quantity_ordered"))

    with pytest.raises(InvalidTransition):
        purchase_order_update_items(order=order, by=admin, items=[ItemInput(variant, 1, Decimal("1.00"))])

    assert list(order.items.values_list("id", "quantity_ordered")) == before


def test_update_items_to_none_is_refused(make_order, admin, variant):
    order = make_order([(variant, 10, "2.00")])

    with pytest.raises(InvalidInput) as raised:
        purchase_order_update_items(order=order, by=admin, items=[])

    assert raised.value.errors == {"items": ["An order needs at least one item."]}
    assert order.items.count() == 1


def test_notes_can_change_in_any_status(order_in, admin):
    order = order_in("received")

    order = purchase_order_update(order=order, by=admin, notes="Delivered late")

    order.refresh_from_db()
    assert order.notes == "Delivered late"


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


# --- Average cost ---------------------------------------------------------------------------------------------


def test_average_cost_of_10_at_2_then_10_at_4_is_3(make_order, variant):
    make_order([(variant, 10, "2.00")], status="received")
    variant.refresh_from_db()
    assert variant.cost == Decimal("2.00")

    make_order([(variant, 10, "4.00")], status="received")

    variant.refresh_from_db()
    assert variant.cost == Decimal("3.00")


def test_with_nothing_on_hand_the_new_cost_is_the_unit_cost_whatever_was_set_by_hand(org, make_order):
    variant = VariantFactory(organization=org, cost=Decimal("99.00"))

    make_order([(variant, 10, "2.40")], status="received")

    variant.refresh_from_db()
    assert variant.cost == Decimal("2.40")


def test_average_cost_counts_stock_in_every_warehouse_of_the_organization(org, make_order, variant, other_warehouse):
    _opening_stock(org, variant, other_warehouse, 30, "1.00")
    variant.cost = Decimal("1.00")
    variant.save()

    make_order([(variant, 10, "5.00")], status="received")  # into `warehouse`, where nothing was

    variant.refresh_from_db()
    assert variant.cost == Decimal("2.00")  # (30 × 1 + 10 × 5) / 40


def test_average_cost_is_rounded_to_cents(make_order, variant):
    make_order([(variant, 3, "1.00")], status="received")
    make_order([(variant, 3, "1.01")], status="received")  # 6.03 / 6 = 1.005

    variant.refresh_from_db()
    assert variant.cost == Decimal("1.01")


def test_average_cost_leaves_other_variants_alone(make_order, variant, variant_b):
    variant_b.cost = Decimal("8.00")
    variant_b.save()

    make_order([(variant, 3, "1.00")], status="received")

    variant_b.refresh_from_db()
    assert variant_b.cost == Decimal("8.00")


# --- Database rules -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [{"quantity_ordered": 0}, {"quantity_received": 11}, {"unit_cost": Decimal("-0.01")}],
    ids=["zero ordered", "received beyond ordered", "negative cost"],
)
def test_the_database_refuses_impossible_lines(make_order, variant, changes):
    item = make_order([(variant, 10, "2.00")]).items.get()

    with pytest.raises(IntegrityError), transaction.atomic():
        PurchaseOrderItem.objects.filter(pk=item.pk).update(**changes)


def test_the_database_refuses_a_second_order_with_one_number(make_order, variant):
    order = make_order([(variant, 1, "2.00")])

    with pytest.raises(IntegrityError), transaction.atomic():
        PurchaseOrder.objects.create(
            organization=order.organization, number=order.number, supplier=order.supplier, warehouse=order.warehouse
        )


def test_a_supplier_with_orders_cannot_be_deleted(make_order, variant, supplier):
    make_order([(variant, 1, "2.00")])

    with pytest.raises(ProtectedError):
        supplier.delete()


def test_services_refuse_objects_of_another_organization(make_order, admin, foreign_variant, variant):
    with pytest.raises(InvalidInput) as created:
        make_order([(foreign_variant, 1, "1.00")])
    order = make_order([(variant, 1, "1.00")])
    with pytest.raises(InvalidInput) as updated:
        purchase_order_update_items(order=order, by=admin, items=[ItemInput(foreign_variant, 1, Decimal("1.00"))])

    assert created.value.errors == {"items": [{"variant": ["Unknown variant."]}]}
    assert updated.value.errors == {"items": [{"variant": ["Unknown variant."]}]}
    assert list(PurchaseOrder.objects.values_list("pk", flat=True)) == [order.pk]
    assert order.items.get().variant == variant
