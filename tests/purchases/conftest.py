from decimal import Decimal

import pytest

from purchases.services import (
    ItemInput,
    ReceiptLine,
    purchase_order_cancel,
    purchase_order_create,
    purchase_order_receive,
)
from tests.catalog.factories import VariantFactory
from tests.suppliers.factories import SupplierFactory


@pytest.fixture
def supplier(org):
    return SupplierFactory(organization=org, name="Northwind")


@pytest.fixture
def variant(org):
    return VariantFactory(organization=org, sku="TEA-GREEN")


@pytest.fixture
def variant_b(org):
    return VariantFactory(organization=org, sku="TEA-BLACK")


@pytest.fixture
def foreign_variant(other_org):
    return VariantFactory(organization=other_org, sku="GX-1")


@pytest.fixture
def make_order(org, admin, supplier, warehouse):
    """`make_order([(variant, quantity, "unit cost"), ...], status=..., by=..., warehouse=...)` through the service."""

    def make(lines, *, status="draft", by=None, warehouse=warehouse):
        return purchase_order_create(
            organization_id=org.pk,
            by=by or admin,
            supplier=supplier,
            warehouse=warehouse,
            items=[ItemInput(variant, quantity, Decimal(cost)) for variant, quantity, cost in lines],
            status=status,
        )

    return make


@pytest.fixture
def payload(supplier, warehouse, variant, variant_b):
    """`payload(**overrides)` → the body of a valid POST to the purchase order list (two lines, a draft)."""

    def make(**overrides):
        body = {
            "supplier": supplier.pk,
            "warehouse": warehouse.pk,
            "notes": "Spring restock",
            "items": [
                {"variant": variant.pk, "quantity_ordered": 10, "unit_cost": "2.00"},
                {"variant": variant_b.pk, "quantity_ordered": 3, "unit_cost": "7.50"},
            ],
        }
        return {**body, **overrides}

    return make


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
