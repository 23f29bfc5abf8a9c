from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from catalog import seed as catalog_seed
from catalog.models import Category, Product, Variant
from suppliers import seed as suppliers_seed
from suppliers.models import Supplier
from users import seed as users_seed
from warehouses import seed as warehouses_seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    ctx = {"organization_name": "Demo Company", "log": lambda line: None}
    for module in (users_seed, warehouses_seed, suppliers_seed, catalog_seed):  # floor order, as seed_demo
        module.seed(ctx)
    return ctx


def test_the_demo_catalog_is_realistic(seeded):
    organization = seeded["organization"]
    products = Product.objects.filter(organization=organization).annotate(variant_count=Count("variants"))
    today = timezone.localdate()

    assert Category.objects.filter(organization=organization).count() >= 5
    assert products.count() >= 50
    assert products.filter(variant_count__gt=1).count() >= 5
    assert not products.filter(variant_count=0).exists()
    assert products.filter(expiration_date__lt=today).exists()
    assert products.filter(expiration_date__gte=today, expiration_date__lte=today + timedelta(days=30)).exists()
    assert Supplier.objects.filter(organization=organization).count() >= 5
    assert products.filter(supplier__isnull=False).count() == products.count()
    assert Variant.objects.filter(organization=organization, reorder_level__gt=0).exists()


def test_the_seed_hands_its_objects_to_the_later_apps(seeded):
    assert len(seeded["products"]) >= 50
    assert len(seeded["variants"]) == Variant.objects.filter(organization=seeded["organization"]).count()
    assert len(seeded["suppliers"]) == Supplier.objects.filter(organization=seeded["organization"]).count()


def test_seeded_barcodes_are_valid_ean13(seeded):
    for barcode in Variant.objects.values_list("barcode", flat=True):
        digits = [int(digit) for digit in barcode]
        assert len(digits) == 13
        assert sum(digit * (3 if index % 2 else 1) for index, digit in enumerate(digits)) % 10 == 0
