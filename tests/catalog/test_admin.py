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


def test_the_product_list_shows_stock_price_and_the_low_stock_flag_and_filters_on_them(site, org, warehouse):
    from tests.stock.helpers import put_stock

    low = VariantFactory(organization=org, product__name="Low lamp", price="5.00", reorder_level=10)
    put_stock(low, warehouse, 3)
    plenty = VariantFactory(organization=org, product__name="Plenty pen", price="60.00", reorder_level=1)
    put_stock(plenty, warehouse, 40)
    VariantFactory(organization=org, product__name="Empty easel", price="20.00", reorder_level=0)

    def names(**query):
        page = site.get("/admin/catalog/product/", query).content.decode()
        return {name for name in ("Low lamp", "Plenty pen", "Empty easel") if name in page}

    page = site.get("/admin/catalog/product/").content.decode().lower()
    assert "price from" in page and "low stock" in page and ">40<" in page
    assert names(low_stock="yes") == {"Low lamp"}
    assert names(stock="out") == {"Empty easel"}
    assert names(price="over-50") == {"Plenty pen"}
    assert names(price="under-10") == {"Low lamp"}


def test_the_variant_list_shows_stock_and_filters_on_low_stock(site, org, warehouse):
    from tests.stock.helpers import put_stock

    put_stock(VariantFactory(organization=org, sku="LOW-1", reorder_level=5), warehouse, 2)
    put_stock(VariantFactory(organization=org, sku="FINE-1", reorder_level=1), warehouse, 9)

    page = site.get("/admin/catalog/variant/", {"low_stock": "yes"}).content.decode()

    assert "LOW-1" in page and "FINE-1" not in page


def test_variant_attributes_edit_as_key_value_rows(site, org):
    variant = VariantFactory(organization=org, sku="ROWS-1", attributes={"size": "M"})
    form = site.get(f"/admin/catalog/variant/{variant.pk}/change/").content.decode()
    assert 'name="attributes_key_0" value="size"' in form and 'name="attributes_value_0" value="M"' in form

    data = {
        "organization": org.pk,
        "sku": "ROWS-1",
        "barcode": "",
        "price": "12.00",
        "cost": "5.00",
        "reorder_level": "0",
        "attributes_key_0": "size",
        "attributes_value_0": "L",
        "attributes_key_1": "colour",
        "attributes_value_1": "navy",
        "attributes_key_2": "",
        "attributes_value_2": "",
    }
    response = site.post(f"/admin/catalog/variant/{variant.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    variant.refresh_from_db()
    assert variant.attributes == {"size": "L", "colour": "navy"}


def test_the_admin_is_branded_stockroom(site):
    assert "Stockroom administration" in site.get("/admin/").content.decode()
