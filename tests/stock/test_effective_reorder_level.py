"""Each level keeps its effective reorder level (the override, else the variant's) as `reorder_level`, so that
"low" is a condition on the level's own row. Every writer of either side keeps the copy right.
"""

import pytest
from django.test import Client

from catalog.models import Variant
from stock.models import StockLevel
from stock.services import stock_level_set_override
from tests.catalog.factories import ProductFactory
from tests.catalog.test_import_export import csv_file, upload
from tests.stock.helpers import put_stock
from tests.stock.invariants import assert_ledger_consistent
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/products/"


def kept(variant, warehouse) -> int:
    return StockLevel.objects.values_list("reorder_level", flat=True).get(variant=variant, warehouse=warehouse)


@pytest.fixture
def stocked(variant, warehouse, other_warehouse):
    """`variant` (reorder level 5): 8 units in `warehouse`, 3 in `other_warehouse` whose override is 2."""
    put_stock(variant, warehouse, 8)
    put_stock(variant, other_warehouse, 3)
    level = StockLevel.objects.get(variant=variant, warehouse=other_warehouse)
    stock_level_set_override(level_id=level.pk, reorder_level_override=2)
    return variant


@pytest.fixture
def admin_site(org):
    client = Client()
    client.force_login(UserFactory(organization=org, role="admin", is_staff=True, is_superuser=True))
    return client


def low_product_ids(client) -> set[int]:
    return {product["id"] for product in client.get(PRODUCTS, {"is_low_stock": "true"}).json()["results"]}


def test_a_level_the_ledger_creates_takes_its_variants_reorder_level(variant, warehouse):
    put_stock(variant, warehouse, 1)

    assert kept(variant, warehouse) == 5


def test_an_override_is_the_effective_level_and_clearing_it_falls_back_to_the_variants(
    stocked, warehouse, other_warehouse
):
    assert kept(stocked, other_warehouse) == 2
    level = StockLevel.objects.get(variant=stocked, warehouse=other_warehouse)

    stock_level_set_override(level_id=level.pk, reorder_level_override=None)

    assert kept(stocked, other_warehouse) == 5


def test_the_levels_route_sets_the_override_and_the_effective_level(admin_client, stocked, other_warehouse):
    level = StockLevel.objects.get(variant=stocked, warehouse=other_warehouse)

    body = admin_client.patch(f"/api/stock-levels/{level.pk}/", {"reorder_level_override": 4}, format="json").json()

    assert (body["reorder_level"], body["reorder_level_override"], body["is_low_stock"]) == (4, 4, True)
    assert kept(stocked, other_warehouse) == 4


def test_a_variants_new_reorder_level_reaches_its_levels_without_an_override(
    admin_client, stocked, warehouse, other_warehouse
):
    assert stocked.product_id not in low_product_ids(admin_client)  # 8 > 5, and 3 > 2

    response = admin_client.patch(f"/api/variants/{stocked.pk}/", {"reorder_level": 9}, format="json")

    assert response.status_code == 200
    assert (kept(stocked, warehouse), kept(stocked, other_warehouse)) == (9, 2)
    assert stocked.product_id in low_product_ids(admin_client)  # 8 <= 9
    assert_ledger_consistent()


def test_an_import_that_changes_a_reorder_level_reaches_the_levels(admin_client, stocked, warehouse, other_warehouse):
    row = [stocked.product.name, "", stocked.sku, "", "3.00", "", "12", ""]

    response = upload(admin_client, csv_file([row]))

    assert response.status_code == 200, response.json()
    assert (kept(stocked, warehouse), kept(stocked, other_warehouse)) == (12, 2)
    assert_ledger_consistent()


def variant_admin_form(variant, **changes) -> dict:
    """The variant admin's change form as a browser posts it, with `changes`."""
    return {
        "organization": variant.organization_id,
        "product": variant.product_id,
        "sku": variant.sku,
        "barcode": "",
        "attributes": "{}",
        "price": str(variant.price),
        "cost": str(variant.cost),
        "reorder_level": str(variant.reorder_level),
        **changes,
    }


def test_the_variant_admin_change_form_reaches_the_levels(admin_site, stocked, warehouse):
    variant = Variant.objects.get(pk=stocked.pk)

    response = admin_site.post(
        f"/admin/catalog/variant/{variant.pk}/change/", variant_admin_form(variant, reorder_level="7")
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert kept(stocked, warehouse) == 7
    assert_ledger_consistent()


def test_the_variant_admin_cannot_move_a_variant_to_another_product(admin_site, org, stocked, warehouse):
    variant, elsewhere = Variant.objects.get(pk=stocked.pk), ProductFactory(organization=org)
    data = variant_admin_form(variant, product=elsewhere.pk)

    response = admin_site.post(f"/admin/catalog/variant/{variant.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]  # saved, without the product field
    assert Variant.objects.get(pk=variant.pk).product_id == stocked.product_id
    assert_ledger_consistent()  # its units still count towards its own product


def test_the_product_admins_variant_inline_reaches_the_levels(admin_site, stocked, warehouse):
    product, variant = stocked.product, Variant.objects.get(pk=stocked.pk)
    data = {
        "organization": product.organization_id,
        "name": product.name,
        "description": product.description,
        "category": product.category_id or "",
        "supplier": "",
        "expiration_date": "",
        "is_active": "on",
        "created_by": "",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "1",
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
        "variants-0-id": variant.pk,
        "variants-0-product": product.pk,
        "variants-0-sku": variant.sku,
        "variants-0-barcode": "",
        "variants-0-attributes": "{}",
        "variants-0-price": str(variant.price),
        "variants-0-cost": str(variant.cost),
        "variants-0-reorder_level": "11",
    }

    response = admin_site.post(f"/admin/catalog/product/{product.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert kept(stocked, warehouse) == 11
    assert_ledger_consistent()
