import pytest

from tests.catalog.factories import VariantFactory
from tests.stock.helpers import put_stock
from tests.stock.low_stock import take_stock


@pytest.fixture
def variant(org):
    return VariantFactory(organization=org, sku="TEA-GREEN", product__name="Green tea", reorder_level=5)


@pytest.fixture
def variant_b(org):
    return VariantFactory(organization=org, sku="TEA-BLACK", product__name="Black tea")


@pytest.fixture
def foreign_variant(other_org):
    return VariantFactory(organization=other_org, sku="GX-1")


@pytest.fixture
def low_in_both(variant, variant_b, warehouse, other_warehouse):
    """TEA-GREEN low in Main (3 ≤ 5), TEA-BLACK low in Annex (0 ≤ 0 after a sale), TEA-BLACK fine in Main."""
    put_stock(variant, warehouse, 3)
    put_stock(variant_b, other_warehouse, 2)
    take_stock(variant_b, other_warehouse, 2)
    put_stock(variant_b, warehouse, 7)
