import pytest
from django.test import Client

from catalog.models import Variant
from tests.catalog.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.suppliers.factories import SupplierFactory
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(org):
    client = Client()
    client.force_login(UserFactory(organization=org, role="admin", is_staff=True, is_superuser=True))
    return client


def test_products_are_found_by_sku_and_by_barcode(site, org):
    VariantFactory(organization=org, product__name="Espresso beans", sku="ESP-1", barcode="4006381333931")
    VariantFactory(organization=org, product__name="Green tea", sku="TEA-1")

    by_sku = site.get("/admin/catalog/product/", {"q": "ESP-1"})
    by_barcode = site.get("/admin/catalog/product/", {"q": "4006381333931"})

    assert by_sku.status_code == 200
    assert "Espresso beans" in by_sku.content.decode() and "Green tea" not in by_sku.content.decode()
    assert "Espresso beans" in by_barcode.content.decode() and "Green tea" not in by_barcode.content.decode()


def test_a_product_page_shows_its_variants_inline(site, org):
    product = ProductFactory(organization=org)
    VariantFactory(product=product, sku="INLINE-SKU")

    response = site.get(f"/admin/catalog/product/{product.pk}/change/")

    assert response.status_code == 200
    assert "INLINE-SKU" in response.content.decode()


def test_variants_added_inline_take_the_products_organization(site, org):
    product = ProductFactory(organization=org, name="Shirt")
    data = {
        "organization": org.pk,
        "name": "Shirt",
        "description": "",
        "category": product.category_id,
        "supplier": "",
        "expiration_date": "",
        "is_active": "on",
        "created_by": "",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
        "variants-0-sku": "SHIRT-M",
        "variants-0-barcode": "",
        "variants-0-attributes": '{"size": "M"}',
        "variants-0-price": "12.00",
        "variants-0-cost": "5.00",
        "variants-0-reorder_level": "3",
    }

    response = site.post(f"/admin/catalog/product/{product.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Variant.objects.get(sku="SHIRT-M").organization == org


def test_a_taken_sku_added_inline_is_a_form_error_not_a_crash(site, org):
    VariantFactory(organization=org, sku="TAKEN")
    product = ProductFactory(organization=org)
    data = {
        "organization": org.pk,
        "name": product.name,
        "category": product.category_id,
        "is_active": "on",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
        "variants-0-sku": "TAKEN",
        "variants-0-attributes": "{}",
        "variants-0-price": "1.00",
        "variants-0-cost": "0.00",
        "variants-0-reorder_level": "0",
    }

    response = site.post(f"/admin/catalog/product/{product.pk}/change/", data)

    assert response.status_code == 200
    assert "already exists" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    ["/admin/catalog/category/", "/admin/catalog/variant/", "/admin/suppliers/supplier/", "/admin/catalog/product/"],
)
def test_the_admin_lists_load(site, org, url):
    CategoryFactory(organization=org)
    SupplierFactory(organization=org)
    ProductFactory(organization=org, variants=2)

    assert site.get(url).status_code == 200
    assert site.get(url, {"q": "x"}).status_code == 200
