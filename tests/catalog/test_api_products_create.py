"""`POST /api/products/`: creating a product with one default variant or several, and what it refuses."""

import re

import pytest

from catalog.models import Product, Variant
from tests.catalog.factories import CategoryFactory, VariantFactory
from tests.catalog.product_api import PRODUCT_FIELDS, URL
from tests.suppliers.factories import SupplierFactory

pytestmark = pytest.mark.django_db


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
