import pytest

from tests.catalog.factories import VariantFactory


@pytest.fixture
def variant(org):
    return VariantFactory(organization=org, sku="TEA-GREEN", product__name="Green tea", reorder_level=5)


@pytest.fixture
def variant_b(org):
    return VariantFactory(organization=org, sku="TEA-BLACK", product__name="Black tea")


@pytest.fixture
def foreign_variant(other_org):
    return VariantFactory(organization=other_org, sku="GX-1")
