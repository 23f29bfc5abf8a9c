"""`/api/products/`: filters, search and ordering of the list."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.catalog.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.catalog.product_api import URL
from tests.suppliers.factories import SupplierFactory

pytestmark = pytest.mark.django_db


# --- Filters, search, ordering -------------------------------------------------------------------------------------


def _names(response):
    assert response.status_code == 200, response.json()
    return sorted(row["name"] for row in response.json()["results"])


def test_filters_by_category_supplier_and_active(viewer_client, org):
    category = CategoryFactory(organization=org)
    supplier = SupplierFactory(organization=org)
    ProductFactory(organization=org, name="A", category=category)
    ProductFactory(organization=org, name="B", supplier=supplier)
    ProductFactory(organization=org, name="C", is_active=False)

    assert _names(viewer_client.get(URL, {"category": category.pk})) == ["A"]
    assert _names(viewer_client.get(URL, {"supplier": supplier.pk})) == ["B"]
    assert _names(viewer_client.get(URL, {"is_active": "false"})) == ["C"]
    assert _names(viewer_client.get(URL, {"is_active": "true"})) == ["A", "B"]


def test_filters_by_expiry(viewer_client, org):
    today = timezone.localdate()
    ProductFactory(organization=org, name="Expired", expiration_date=today - timedelta(days=1))
    ProductFactory(organization=org, name="Today", expiration_date=today)
    ProductFactory(organization=org, name="Tomorrow", expiration_date=today + timedelta(days=1))
    ProductFactory(organization=org, name="Forever")

    expired = viewer_client.get(URL, {"is_expired": "true"})

    assert _names(expired) == ["Expired", "Today"]  # a product whose date is today is expired
    assert [product["is_expired"] for product in expired.json()["results"]] == [True, True]
    assert _names(viewer_client.get(URL, {"is_expired": "false"})) == ["Forever", "Tomorrow"]
    assert _names(viewer_client.get(URL, {"has_expiry": "false"})) == ["Forever"]


def test_filters_by_low_stock_and_warehouse(viewer_client, org, warehouse, other_warehouse, make_level):
    low_here = VariantFactory(organization=org, product__name="Low here", reorder_level=5)
    make_level(low_here, warehouse, 2)
    make_level(low_here, other_warehouse, 50)
    plenty = VariantFactory(organization=org, product__name="Plenty", reorder_level=5)
    make_level(plenty, warehouse, 20)

    everywhere = viewer_client.get(URL, {"is_low_stock": "true"})
    in_other = viewer_client.get(URL, {"is_low_stock": "true", "warehouse": other_warehouse.pk})
    not_low_in_other = viewer_client.get(URL, {"is_low_stock": "false", "warehouse": other_warehouse.pk})

    assert _names(everywhere) == ["Low here"]
    assert everywhere.json()["results"][0]["total_quantity"] == 52
    # In the annex: "Low here" has 50 (fine), "Plenty" was never stocked there but has a reorder level.
    assert _names(in_other) == ["Plenty"]
    assert _names(not_low_in_other) == ["Low here"]
    assert not_low_in_other.json()["results"][0]["total_quantity"] == 50


def test_a_warehouse_of_another_organization_is_a_400(viewer_client, foreign_warehouse):
    response = viewer_client.get(URL, {"warehouse": foreign_warehouse.pk})

    assert response.status_code == 400
    assert "warehouse" in response.json()["errors"]


def test_filter_ids_are_checked_against_each_callers_organization_in_turn(
    client_for, viewer, other_admin, org, other_org
):
    # The filter's form class is built once and kept; the categories a request may name are its caller's own.
    ours, theirs = CategoryFactory(organization=org), CategoryFactory(organization=other_org)
    ProductFactory(organization=org, category=ours, name="Ours")
    ProductFactory(organization=other_org, category=theirs, name="Theirs")
    viewer_client, other_client = client_for(viewer), client_for(other_admin)

    assert _names(viewer_client.get(URL, {"category": ours.pk})) == ["Ours"]
    assert other_client.get(URL, {"category": ours.pk}).status_code == 400
    assert _names(other_client.get(URL, {"category": theirs.pk})) == ["Theirs"]
    refused = viewer_client.get(URL, {"category": theirs.pk})
    assert refused.status_code == 400 and "category" in refused.json()["errors"]


@pytest.mark.parametrize("value", ["abc", "1.5", "99999999999999999999999"])
def test_a_malformed_filter_id_is_a_400(viewer_client, value):
    for field in ("warehouse", "category", "supplier"):
        response = viewer_client.get(URL, {field: value})
        assert response.status_code == 400, (field, response.content)


def test_search_covers_name_sku_barcode_and_description(viewer_client, org):
    VariantFactory(organization=org, product__name="Espresso beans", sku="COF-1")
    VariantFactory(organization=org, product__name="Tea", sku="TEA-1", barcode="4006381333931")
    ProductFactory(organization=org, name="Mug", description="Fits an espresso cup")
    product = ProductFactory(organization=org, name="Shirt")
    VariantFactory.create_batch(3, product=product, attributes={"size": "M"})

    assert _names(viewer_client.get(URL, {"search": "espresso"})) == ["Espresso beans", "Mug"]
    assert _names(viewer_client.get(URL, {"search": "tea-1"})) == ["Tea"]
    assert _names(viewer_client.get(URL, {"search": "4006381"})) == ["Tea"]
    # A product with several matching variants is listed once.
    assert viewer_client.get(URL, {"search": "shirt"}).json()["count"] == 1
    assert viewer_client.get(URL, {"search": product.variants.first().sku[:4]}).json()["count"] >= 1


def test_ordering_by_name_created_at_and_total_quantity(viewer_client, org, warehouse, make_level):
    for name, quantity in [("B", 5), ("A", 9), ("C", 1)]:
        make_level(VariantFactory(organization=org, product__name=name), warehouse, quantity)

    def order(ordering):
        return [row["name"] for row in viewer_client.get(URL, {"ordering": ordering}).json()["results"]]

    assert order("name") == ["A", "B", "C"]
    assert order("-name") == ["C", "B", "A"]
    assert order("total_quantity") == ["C", "B", "A"]
    assert order("-total_quantity") == ["A", "B", "C"]
    assert order("created_at") == ["B", "A", "C"]


def test_ordering_by_price_uses_each_products_lowest_variant_price(viewer_client, org):
    for name, prices in [("Mid", ["5.00", "30.00"]), ("Cheap", ["9.00", "1.50"]), ("Dear", ["12.00"])]:
        product = ProductFactory(organization=org, name=name)
        for price in prices:
            VariantFactory(organization=org, product=product, price=Decimal(price))

    def order(ordering):
        return [row["name"] for row in viewer_client.get(URL, {"ordering": ordering}).json()["results"]]

    assert order("price") == ["Cheap", "Mid", "Dear"]
    assert order("-price,name") == ["Dear", "Mid", "Cheap"]
    assert viewer_client.get(URL, {"ordering": "prize"}).status_code == 400
