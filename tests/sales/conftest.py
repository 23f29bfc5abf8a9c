"""Sales fixtures: three variants of the organization and a way to put stock on the shelves (through the ledger)."""

from decimal import Decimal

import pytest

from stock.models import Reason, StockLevel, StockMovement
from stock.services import StockChange, stock_add
from tests.sales.factories import SaleVariantFactory


@pytest.fixture
def mug(org):
    return SaleVariantFactory(organization=org, sku="MUG", price=Decimal("12.50"), cost=Decimal("5.00"))


@pytest.fixture
def tee(org):
    return SaleVariantFactory(organization=org, sku="TEE", price=Decimal("20.00"), cost=Decimal("8.00"))


@pytest.fixture
def cap(org):
    return SaleVariantFactory(organization=org, sku="CAP", price=Decimal("15.00"), cost=Decimal("6.00"))


@pytest.fixture
def shelve(admin):
    """`shelve(variant, warehouse, quantity)` puts opening stock in through the ledger."""

    def put(variant, warehouse, quantity):
        stock_add(
            organization_id=variant.organization_id,
            changes=[StockChange(variant.pk, warehouse.pk, quantity)],
            reason=Reason.OPENING,
            by=admin,
        )

    return put


def level(variant, warehouse) -> int:
    found = StockLevel.objects.filter(variant=variant, warehouse=warehouse).first()
    return found.quantity if found else 0


def sale_movements(order):
    return StockMovement.objects.filter(reference_type="sales_order", reference_id=order.pk).order_by("id")
