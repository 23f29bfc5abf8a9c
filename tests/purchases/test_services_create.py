"""`purchases.services`: creating orders and editing drafts; what the services and the database refuse."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from core.exceptions import InvalidInput, InvalidTransition, NotPermitted
from purchases.models import PurchaseOrder, PurchaseOrderItem
from purchases.services import (
    ItemInput,
    purchase_order_create,
    purchase_order_update,
    purchase_order_update_items,
)
from stock.models import StockMovement
from tests.catalog.factories import VariantFactory
from tests.purchases.ledger import on_hand
from tests.suppliers.factories import SupplierFactory
from tests.warehouses.factories import WarehouseFactory

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

    order = purchase_order_update(order=order, by=admin, data={"notes": "Delivered late"})

    order.refresh_from_db()
    assert order.notes == "Delivered late"


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
