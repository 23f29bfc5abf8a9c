"""The database enforces the catalog's rules even when code forgets them."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from catalog.models import Category, Variant
from tests.catalog.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.suppliers.factories import SupplierFactory

pytestmark = pytest.mark.django_db


def _fails(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_category_names_are_unique_within_an_organization_only(org, other_org):
    CategoryFactory(organization=org, name="Snacks")

    assert _fails(lambda: Category.objects.create(organization=org, name="Snacks"))
    assert not _fails(lambda: Category.objects.create(organization=other_org, name="Snacks"))


def test_skus_are_unique_within_an_organization_only(org, other_org):
    VariantFactory(organization=org, sku="ABC-1")

    assert _fails(lambda: VariantFactory(organization=org, sku="ABC-1"))
    assert not _fails(lambda: VariantFactory(organization=other_org, sku="ABC-1"))


def test_barcodes_are_unique_within_an_organization_but_many_variants_may_have_none(org, other_org):
    VariantFactory(organization=org, barcode="4006381333931")

    assert _fails(lambda: VariantFactory(organization=org, barcode="4006381333931"))
    assert not _fails(lambda: VariantFactory(organization=other_org, barcode="4006381333931"))
    VariantFactory(organization=org, barcode=None)
    VariantFactory(organization=org, barcode=None)
    assert Variant.objects.filter(organization=org, barcode__isnull=True).count() == 2


@pytest.mark.parametrize("field", ["price", "cost"])
def test_money_cannot_be_negative(org, field):
    assert _fails(lambda: VariantFactory(organization=org, **{field: Decimal("-0.01")}))


def test_reorder_level_cannot_be_negative(org):
    variant = VariantFactory(organization=org)

    assert _fails(lambda: Variant.objects.filter(pk=variant.pk).update(reorder_level=-1))


def test_a_category_with_products_cannot_be_deleted(org):
    product = ProductFactory(organization=org)

    with pytest.raises(ProtectedError):
        product.category.delete()


def test_deleting_a_supplier_leaves_its_products_without_one(org):
    supplier = SupplierFactory(organization=org)
    product = ProductFactory(organization=org, supplier=supplier)

    supplier.delete()

    product.refresh_from_db()
    assert product.supplier is None


def test_variant_factory_takes_the_organization_of_its_product(org):
    product = ProductFactory(organization=org)

    variant = VariantFactory(product=product)

    assert variant.organization == org
    assert VariantFactory(organization=org).product.organization == org
