import pytest
from django.db.models import F

from catalog.models import Product
from stock.models import MovementType, Reason, StockLevel, StockMovement


@pytest.fixture
def make_level():
    """`make_level(variant, warehouse, quantity, override=None)`: a stock level written directly (tests only)."""

    def make(variant, warehouse, quantity, override=None):
        level = StockLevel.objects.create(
            organization_id=variant.organization_id,
            variant=variant,
            warehouse=warehouse,
            quantity=quantity,
            reorder_level_override=override,
            reorder_level=variant.reorder_level if override is None else override,
        )
        # As the ledger keeps it: the product's total over its levels.
        Product.objects.filter(pk=variant.product_id).update(stock_quantity=F("stock_quantity") + quantity)
        return level

    return make


@pytest.fixture
def make_movement():
    """`make_movement(variant, warehouse, quantity)`: one IN movement of the ledger, written directly (tests only)."""

    def make(variant, warehouse, quantity=1):
        return StockMovement.objects.create(
            organization_id=variant.organization_id,
            variant=variant,
            warehouse=warehouse,
            movement_type=MovementType.IN,
            reason=Reason.OPENING,
            quantity=quantity,
            balance_after=quantity,
        )

    return make
