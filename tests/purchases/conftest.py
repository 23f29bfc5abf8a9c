from decimal import Decimal

import pytest

from purchases.services import ItemInput, purchase_order_create
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
