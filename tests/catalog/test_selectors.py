"""Stock figures of the catalog, computed in the database from the stock levels."""

import pytest

from catalog.selectors import product_get, product_list, variant_list
from tests.catalog.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_quantities_are_summed_per_variant_and_per_product(org, warehouse, other_warehouse, make_level):
    product = ProductFactory(organization=org)
    small, large = VariantFactory(product=product), VariantFactory(product=product)
    make_level(small, warehouse, 3)
    make_level(small, other_warehouse, 4)
    make_level(large, warehouse, 10)

    everywhere = product_get(organization=org, pk=product.pk)
    in_main = product_get(organization=org, pk=product.pk, warehouse_ids=[warehouse.pk])

    assert everywhere.total_quantity == 17
    assert [v.quantity for v in everywhere.variants.all()] == [7, 10]
    assert in_main.total_quantity == 13
    assert [v.quantity for v in in_main.variants.all()] == [3, 10]


def test_a_product_without_stock_levels_has_zero(org):
    product = ProductFactory(organization=org, variants=2)

    assert product_get(organization=org, pk=product.pk).total_quantity == 0
    assert product_get(organization=org, pk=product.pk, warehouse_ids=[]).total_quantity == 0


@pytest.mark.parametrize(
    ("reorder_level", "quantity", "override", "low"),
    [
        (5, 6, None, False),
        (5, 5, None, True),  # at the reorder level is low
        (5, 0, None, True),
        (5, 2, 1, False),  # the level's own override wins over the variant's
        (0, 3, 3, True),
        (0, 1, None, False),
    ],
)
def test_a_product_is_low_when_a_level_is_at_or_below_its_effective_reorder_level(
    org, warehouse, make_level, reorder_level, quantity, override, low
):
    variant = VariantFactory(organization=org, reorder_level=reorder_level)
    make_level(variant, warehouse, quantity, override=override)

    assert product_get(organization=org, pk=variant.product_id).is_low_stock is low
    assert variant_list(organization=org).get(pk=variant.pk).is_low_stock is low


@pytest.mark.parametrize(("reorder_level", "low"), [(0, False), (1, True)])
def test_a_never_stocked_variant_is_low_only_with_a_reorder_level(org, reorder_level, low):
    variant = VariantFactory(organization=org, reorder_level=reorder_level)

    assert product_get(organization=org, pk=variant.product_id).is_low_stock is low


def test_one_low_variant_makes_its_product_low(org, warehouse, make_level):
    product = ProductFactory(organization=org)
    make_level(VariantFactory(product=product, reorder_level=5), warehouse, 50)
    make_level(VariantFactory(product=product, reorder_level=5), warehouse, 1)

    assert product_get(organization=org, pk=product.pk).is_low_stock is True


def test_low_stock_is_judged_in_the_given_warehouse_only(org, warehouse, other_warehouse, make_level):
    variant = VariantFactory(organization=org, reorder_level=5)
    make_level(variant, warehouse, 1)
    make_level(variant, other_warehouse, 100)

    def low(warehouse_ids):
        return product_get(organization=org, pk=variant.product_id, warehouse_ids=warehouse_ids).is_low_stock

    assert low(None) is True
    assert low([warehouse.pk]) is True
    assert low([other_warehouse.pk]) is False


def test_the_list_holds_only_the_organizations_products(org, other_org):
    mine = ProductFactory(organization=org)
    ProductFactory(organization=other_org)

    assert list(product_list(organization=org)) == [mine]
