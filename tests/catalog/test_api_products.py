"""`/api/products/`: reading, updating and deleting a product."""

from decimal import Decimal

import pytest
from django.urls import Resolver404, resolve

from catalog.models import Product, Variant
from catalog.views import ProductViewSet
from tests.catalog.factories import ProductFactory, VariantFactory
from tests.catalog.product_api import PRODUCT_FIELDS, URL, VARIANT_FIELDS, detail
from tests.suppliers.factories import SupplierFactory

pytestmark = pytest.mark.django_db


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
