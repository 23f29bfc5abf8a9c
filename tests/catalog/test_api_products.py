import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import Resolver404, resolve
from django.utils import timezone

from catalog.models import Product, Variant
from catalog.views import ProductViewSet
from tests.catalog.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.suppliers.factories import SupplierFactory

pytestmark = pytest.mark.django_db

URL = "/api/products/"

PRODUCT_FIELDS = {
    "id",
    "name",
    "description",
    "category",
    "category_name",
    "supplier",
    "expiration_date",
    "is_active",
    "variants",
    "total_quantity",
    "is_low_stock",
    "is_expired",
    "has_expiry",
    "created_by",
    "created_at",
    "updated_at",
}
VARIANT_FIELDS = {"id", "sku", "barcode", "attributes", "price", "cost", "reorder_level", "quantity"}


def detail(product):
    return f"{URL}{product.pk}/"


# --- Reading -------------------------------------------------------------------------------------------------------


def test_a_product_has_every_field_of_the_contract(viewer_client, org, warehouse, make_level):
    supplier = SupplierFactory(organization=org)
    product = ProductFactory(organization=org, name="Espresso", supplier=supplier)
    variant = VariantFactory(product=product, sku="ESP-1", attributes={"size": "1kg"}, price=Decimal("18.50"))
    make_level(variant, warehouse, 7)

    body = viewer_client.get(detail(product)).json()

    assert set(body) >= PRODUCT_FIELDS
    assert body["category"] == product.category_id
    assert body["category_name"] == product.category.name
    assert body["supplier"] == supplier.pk
    assert body["total_quantity"] == 7
    assert body["created_by"] is None
    assert len(body["variants"]) == 1
    assert set(body["variants"][0]) >= VARIANT_FIELDS
    assert body["variants"][0]["price"] == "18.50"
    assert body["variants"][0]["attributes"] == {"size": "1kg"}
    assert body["variants"][0]["quantity"] == 7


def test_the_list_is_paginated_as_the_contract_says(viewer_client, org):
    ProductFactory.create_batch(3, organization=org)

    body = viewer_client.get(URL, {"page_size": 2}).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    assert len(body["results"]) == 2


def test_a_non_numeric_product_id_is_a_json_404(viewer_client):
    response = viewer_client.get(f"{URL}abc/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_products_alerts_is_left_for_the_stock_routes():
    try:
        match = resolve("/api/products/alerts/")
    except Resolver404:
        return
    assert getattr(match.func, "cls", None) is not ProductViewSet


def test_a_product_of_another_organization_is_404(admin_client, other_org):
    foreign = ProductFactory(organization=other_org, variants=1)

    assert admin_client.get(detail(foreign)).status_code == 404
    assert admin_client.patch(detail(foreign), {"name": "Mine"}).status_code == 404
    assert admin_client.delete(detail(foreign)).status_code == 404
    assert admin_client.get(f"{detail(foreign)}variants/").status_code == 404


# --- Creating ------------------------------------------------------------------------------------------------------


def test_the_shorthand_makes_one_default_variant(manager_client, manager, org):
    category = CategoryFactory(organization=org)

    response = manager_client.post(
        URL,
        {
            "name": "Espresso beans",
            "category": category.pk,
            "sku": "ESP-1KG",
            "barcode": "4006381333931",
            "price": "18.50",
            "cost": "11.20",
            "reorder_level": 10,
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= PRODUCT_FIELDS
    assert body["created_by"] == {"id": manager.pk, "username": "manager"}
    assert body["category_name"] == category.name
    [variant] = body["variants"]
    assert variant["sku"] == "ESP-1KG"
    assert variant["barcode"] == "4006381333931"
    assert (variant["price"], variant["cost"], variant["reorder_level"]) == ("18.50", "11.20", 10)
    assert variant["quantity"] == 0
    assert body["is_low_stock"] is True  # never stocked, reorder level 10
    assert Variant.objects.get(sku="ESP-1KG").organization == org


def test_a_missing_sku_is_generated_from_the_name(manager_client):
    response = manager_client.post(URL, {"name": "Green Tea 50 bags", "price": "3.00"})

    assert response.status_code == 201, response.json()
    [variant] = response.json()["variants"]
    assert re.fullmatch(r"GREEN-TEA-50-BAGS-[0-9A-F]{6}", variant["sku"])
    assert variant["cost"] == "0.00"
    assert variant["barcode"] is None
    assert variant["attributes"] == {}


def test_two_products_of_the_same_name_get_different_generated_skus(manager_client):
    first = manager_client.post(URL, {"name": "Tea", "price": "3.00"}).json()
    second = manager_client.post(URL, {"name": "Tea", "price": "3.00"}).json()

    assert first["variants"][0]["sku"] != second["variants"][0]["sku"]


def test_a_product_with_several_variants(manager_client, org):
    response = manager_client.post(
        URL,
        {
            "name": "T-shirt",
            "variants": [
                {"sku": "TS-S", "attributes": {"size": "S"}, "price": "12.00"},
                {"sku": "TS-M", "attributes": {"size": "M"}, "price": "12.50", "barcode": "123"},
                {"attributes": {"size": "L"}, "price": "13.00"},
            ],
        },
    )

    assert response.status_code == 201, response.json()
    variants = response.json()["variants"]
    assert [v["attributes"]["size"] for v in variants] == ["S", "M", "L"]
    assert variants[0]["sku"] == "TS-S"
    assert variants[2]["sku"].startswith("T-SHIRT-")
    assert Product.objects.get(organization=org).variants.count() == 3


def test_variants_and_the_shorthand_together_are_a_400(manager_client):
    response = manager_client.post(URL, {"name": "X", "price": "1.00", "variants": [{"sku": "A", "price": "1.00"}]})

    assert response.status_code == 400
    assert "non_field_errors" in response.json()["errors"]
    assert Product.objects.count() == 0


def test_a_product_needs_a_price_or_variants(manager_client):
    response = manager_client.post(URL, {"name": "X"})

    assert response.status_code == 400
    assert "price" in response.json()["errors"]


def test_an_empty_variants_list_is_a_400(manager_client):
    response = manager_client.post(URL, {"name": "X", "variants": []})

    assert response.status_code == 400
    assert "variants" in response.json()["errors"]


def test_a_taken_sku_is_a_400_keyed_by_sku(manager_client, org):
    VariantFactory(organization=org, sku="ESP-1")

    response = manager_client.post(URL, {"name": "X", "sku": "ESP-1", "price": "1.00"})

    assert response.status_code == 400
    assert response.json()["errors"] == {"sku": ["A variant with this SKU already exists."]}
    assert Product.objects.filter(name="X").count() == 0


def test_a_taken_sku_in_variants_is_named_by_its_position(manager_client, org):
    VariantFactory(organization=org, sku="TS-M")

    response = manager_client.post(
        URL,
        {"name": "T-shirt", "variants": [{"sku": "TS-S", "price": "1.00"}, {"sku": "TS-M", "price": "1.00"}]},
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["variants.1.sku"]


def test_the_same_sku_twice_in_one_body_is_a_400(manager_client):
    response = manager_client.post(
        URL, {"name": "T", "variants": [{"sku": "A", "price": "1.00"}, {"sku": "A", "price": "1.00"}]}
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["variants.1.sku"]


def test_a_taken_barcode_is_a_400_keyed_by_barcode(manager_client, org):
    VariantFactory(organization=org, barcode="4006381333931")

    response = manager_client.post(URL, {"name": "X", "barcode": "4006381333931", "price": "1.00"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["barcode"]


def test_skus_of_another_organization_do_not_count(manager_client, other_org):
    VariantFactory(organization=other_org, sku="ESP-1", barcode="123")

    response = manager_client.post(URL, {"name": "X", "sku": "ESP-1", "barcode": "123", "price": "1.00"})

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"price": "-1.00"}, "price"),
        ({"price": "1.005"}, "price"),
        ({"price": "abc"}, "price"),
        ({"price": "10000000000.00"}, "price"),
        ({"price": "1.00", "cost": "-0.01"}, "cost"),
        ({"price": "1.00", "reorder_level": -1}, "reorder_level"),
        ({"price": "1.00", "reorder_level": 2**31}, "reorder_level"),
        ({"price": "1.00", "reorder_level": "many"}, "reorder_level"),
        ({"price": "1.00", "attributes": ["red"]}, "attributes"),
        ({"price": "1.00", "attributes": "red"}, "attributes"),
        ({"price": "1.00", "attributes": {"size": 3}}, "attributes.size"),
        ({"price": "1.00", "attributes": {"size": {"eu": "40"}}}, "attributes.size"),
        ({"price": "1.00", "name": "x" * 10_000}, "name"),
        ({"price": "1.00", "name": 42}, "name"),
        ({"price": "1.00", "sku": "x" * 65}, "sku"),
        ({"price": "1.00", "expiration_date": "tomorrow"}, "expiration_date"),
        ({"price": "1.00", "is_active": "perhaps"}, "is_active"),
        ({"price": "1.00", "category": 999_999}, "category"),
        ({"price": "1.00", "category": "abc"}, "category"),
        ({"price": "1.00", "supplier": 999_999}, "supplier"),
        ({"variants": [{"sku": "A", "price": "-5"}]}, "variants.0.price"),
        ({"variants": "A"}, "variants"),
    ],
)
def test_bad_input_is_a_400_with_field_errors(manager_client, body, field):
    response = manager_client.post(URL, {"name": "Thing", **body}, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["errors"]


def test_a_category_or_supplier_of_another_organization_is_a_400(manager_client, other_org):
    foreign_category = CategoryFactory(organization=other_org)
    foreign_supplier = SupplierFactory(organization=other_org)

    response = manager_client.post(
        URL, {"name": "X", "price": "1.00", "category": foreign_category.pk, "supplier": foreign_supplier.pk}
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"category", "supplier"}


# --- Updating ------------------------------------------------------------------------------------------------------


def test_patch_changes_the_products_own_fields(manager_client, org):
    product = ProductFactory(organization=org, name="Old", variants=1)
    supplier = SupplierFactory(organization=org)

    response = manager_client.patch(
        detail(product),
        {
            "name": "New",
            "category": None,
            "supplier": supplier.pk,
            "is_active": False,
            "expiration_date": "2030-01-31",
        },
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["name"], body["category"], body["supplier"], body["is_active"]) == ("New", None, supplier.pk, False)
    assert body["has_expiry"] is True and body["is_expired"] is False
    assert len(body["variants"]) == 1
    product.refresh_from_db()
    assert (product.name, product.is_active) == ("New", False)


def test_patch_ignores_variants_which_have_their_own_routes(manager_client, org):
    product = ProductFactory(organization=org)
    variant = VariantFactory(product=product, price=Decimal("5.00"))

    response = manager_client.patch(detail(product), {"variants": [{"price": "99.00"}]}, format="json")

    assert response.status_code == 200
    variant.refresh_from_db()
    assert variant.price == Decimal("5.00")


def test_put_replaces_the_products_fields(manager_client, org):
    product = ProductFactory(organization=org, description="old", variants=1)

    response = manager_client.put(detail(product), {"name": "Renamed"})

    assert response.status_code == 200
    assert response.json()["description"] == "old"  # omitted optional fields keep their values
    assert response.json()["name"] == "Renamed"


def test_patch_with_a_blank_name_is_a_400(manager_client, org):
    product = ProductFactory(organization=org)

    response = manager_client.patch(detail(product), {"name": "  "})

    assert response.status_code == 400
    assert "name" in response.json()["errors"]


# --- Deleting ------------------------------------------------------------------------------------------------------


def test_an_admin_deletes_a_product_without_stock_history_and_its_variants_go_with_it(admin_client, org):
    product = ProductFactory(organization=org, variants=2)

    response = admin_client.delete(detail(product))

    assert response.status_code == 204
    assert not Product.objects.filter(pk=product.pk).exists()
    assert not Variant.objects.filter(product_id=product.pk).exists()


def test_deleting_a_product_with_stock_history_is_409_protected_and_says_why(
    admin_client, org, warehouse, make_level, make_movement
):
    product = ProductFactory(organization=org, name="Espresso")
    variant = VariantFactory(product=product)
    make_level(variant, warehouse, 3)
    make_movement(variant, warehouse, 3)

    response = admin_client.delete(detail(product))

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "protected"
    assert body["detail"].startswith('Product "Espresso" cannot be deleted: ')
    assert "1 stock level" in body["detail"] and "1 stock movement" in body["detail"]
    assert "is_active" in body["detail"]
    assert Variant.objects.filter(pk=variant.pk).exists()


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
