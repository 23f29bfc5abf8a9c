import pytest

from tests.stock.factories import StockVariantFactory


@pytest.fixture
def variant(org):
    return StockVariantFactory(organization=org, sku="TEA-GREEN", product__name="Green tea", reorder_level=5)


@pytest.fixture
def variant_b(org):
    return StockVariantFactory(organization=org, sku="TEA-BLACK", product__name="Black tea")


@pytest.fixture
def foreign_variant(other_org):
    return StockVariantFactory(organization=other_org, sku="GX-1")
