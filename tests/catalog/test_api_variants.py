from decimal import Decimal
from unittest import mock

import pytest

from catalog import services
from catalog.models import Variant
from tests.catalog.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

URL = "/api/variants/"
VARIANT_FIELDS = {
    "id",
    "product",
    "product_name",
    "sku",
    "barcode",
    "attributes",
    "price",
    "cost",
    "reorder_level",
    "quantity",
    "created_at",
}


def detail(variant):
    return f"{URL}{variant.pk}/"


def test_a_variant_has_every_field_of_the_contract(viewer_client, org, warehouse, other_warehouse, make_level):
    variant = VariantFactory(organization=org, product__name="Tea", sku="TEA-1", attributes={"flavour": "mint"})
    make_level(variant, warehouse, 4)
    make_level(variant, other_warehouse, 6)

    body = viewer_client.get(detail(variant)).json()

    assert set(body) >= VARIANT_FIELDS
    assert (body["product"], body["product_name"], body["sku"]) == (variant.product_id, "Tea", "TEA-1")
    assert body["attributes"] == {"flavour": "mint"}
    assert body["quantity"] == 10
    assert viewer_client.get(URL, {"warehouse": warehouse.pk}).json()["results"][0]["quantity"] == 4


def test_variants_are_listed_and_filtered_by_product_sku_and_barcode(viewer_client, org):
    product = ProductFactory(organization=org)
    first = VariantFactory(product=product, sku="A-1", barcode="111")
    VariantFactory(product=product, sku="A-2")
    VariantFactory(organization=org, sku="B-1")

    def skus(params):
        response = viewer_client.get(URL, params)
        assert response.status_code == 200, response.json()
        return sorted(row["sku"] for row in response.json()["results"])

    assert skus({}) == ["A-1", "A-2", "B-1"]
    assert skus({"product": product.pk}) == ["A-1", "A-2"]
    assert skus({"sku": "B-1"}) == ["B-1"]
    assert skus({"barcode": first.barcode}) == ["A-1"]
    assert skus({"search": "a-"}) == ["A-1", "A-2"]


def test_there_is_no_create_on_the_variants_list(manager_client):
    response = manager_client.post(URL, {"sku": "X", "price": "1.00"})

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_a_manager_updates_a_variant(manager_client, org):
    variant = VariantFactory(organization=org, sku="OLD", price=Decimal("1.00"))

    response = manager_client.patch(
        detail(variant),
        {"sku": "NEW", "barcode": "999", "attributes": {"size": "XL"}, "price": "2.50", "cost": "1.25"},
    )

    assert response.status_code == 200, response.json()
    variant.refresh_from_db()
    assert (variant.sku, variant.barcode, variant.attributes) == ("NEW", "999", {"size": "XL"})
    assert (variant.price, variant.cost) == (Decimal("2.50"), Decimal("1.25"))
    assert response.json()["quantity"] == 0


def test_a_variant_keeps_its_own_sku_and_barcode_on_update(manager_client, org):
    variant = VariantFactory(organization=org, sku="SAME", barcode="123")

    response = manager_client.patch(detail(variant), {"sku": "SAME", "barcode": "123"})

    assert response.status_code == 200


def test_another_variants_sku_or_barcode_is_a_400_keyed_by_field(manager_client, org):
    VariantFactory(organization=org, sku="TAKEN", barcode="123")
    variant = VariantFactory(organization=org)

    sku = manager_client.patch(detail(variant), {"sku": "TAKEN"})
    barcode = manager_client.patch(detail(variant), {"barcode": "123"})

    assert (sku.status_code, list(sku.json()["errors"])) == (400, ["sku"])
    assert (barcode.status_code, list(barcode.json()["errors"])) == (400, ["barcode"])


def test_a_blank_barcode_clears_it(manager_client, org):
    variant = VariantFactory(organization=org, barcode="123")
    VariantFactory(organization=org, barcode=None)

    response = manager_client.patch(detail(variant), {"barcode": ""})

    assert response.status_code == 200
    assert response.json()["barcode"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"price": "-0.01"}, "price"),
        ({"price": "0.001"}, "price"),
        ({"cost": "x"}, "cost"),
        ({"reorder_level": -3}, "reorder_level"),
        ({"reorder_level": 1.5}, "reorder_level"),
        ({"attributes": [1, 2]}, "attributes"),
        ({"attributes": {"": "x"}}, "attributes"),
        ({"attributes": {"k": "v" * 201}}, "attributes.k"),
        ({"attributes": {f"k{i}": "v" for i in range(51)}}, "attributes"),
        ({"sku": ""}, "sku"),
        ({"sku": 5}, "sku"),
        ({"barcode": "b" * 65}, "barcode"),
    ],
)
def test_bad_variant_input_is_a_400(manager_client, org, body, field):
    variant = VariantFactory(organization=org)

    response = manager_client.patch(detail(variant), body, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]


def test_an_admin_deletes_a_variant_without_history(admin_client, org):
    product = ProductFactory(organization=org, variants=2)
    variant = product.variants.first()

    assert admin_client.delete(detail(variant)).status_code == 204
    assert product.variants.count() == 1


def test_the_only_variant_of_a_product_cannot_be_deleted(admin_client, org):
    variant = VariantFactory(organization=org)

    response = admin_client.delete(detail(variant))

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert Variant.objects.filter(pk=variant.pk).exists()


def test_a_variant_with_stock_history_cannot_be_deleted(admin_client, org, warehouse, make_level):
    product = ProductFactory(organization=org, variants=1)
    variant = VariantFactory(product=product, sku="KEEP")
    make_level(variant, warehouse, 0)

    response = admin_client.delete(detail(variant))

    assert response.status_code == 409
    assert response.json()["code"] == "protected"
    assert response.json()["detail"] == 'Variant "KEEP" cannot be deleted: 1 stock level still refers to it.'


def test_a_variant_of_another_organization_is_404(admin_client, other_org):
    foreign = VariantFactory(organization=other_org)

    assert admin_client.get(detail(foreign)).status_code == 404
    assert admin_client.patch(detail(foreign), {"price": "1.00"}).status_code == 404
    assert admin_client.delete(detail(foreign)).status_code == 404


# --- /api/products/{id}/variants/ ----------------------------------------------------------------------------------


def test_a_products_variants_are_listed_under_it(viewer_client, org):
    product = ProductFactory(organization=org, variants=2)
    VariantFactory(organization=org)

    response = viewer_client.get(f"/api/products/{product.pk}/variants/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert {row["product"] for row in body["results"]} == {product.pk}


def test_a_manager_adds_a_variant_to_a_product(manager_client, org):
    product = ProductFactory(organization=org, name="Shirt", variants=1)

    response = manager_client.post(
        f"/api/products/{product.pk}/variants/", {"sku": "SHIRT-XL", "attributes": {"size": "XL"}, "price": "9.99"}
    )

    assert response.status_code == 201, response.json()
    assert response.json()["product"] == product.pk
    assert response.json()["sku"] == "SHIRT-XL"
    assert Variant.objects.get(sku="SHIRT-XL").organization == org


def test_adding_a_variant_without_sku_generates_one(manager_client, org):
    product = ProductFactory(organization=org, name="Shirt")

    response = manager_client.post(f"/api/products/{product.pk}/variants/", {"price": "9.99"})

    assert response.status_code == 201
    assert response.json()["sku"].startswith("SHIRT-")


def test_adding_a_variant_with_a_taken_sku_is_a_400(manager_client, org):
    VariantFactory(organization=org, sku="TAKEN")
    product = ProductFactory(organization=org)

    response = manager_client.post(f"/api/products/{product.pk}/variants/", {"sku": "TAKEN", "price": "1.00"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["sku"]


@pytest.mark.parametrize("role_client", ["staff_client", "viewer_client"])
def test_staff_and_viewers_cannot_add_variants_but_can_list_them(request, role_client, org):
    client = request.getfixturevalue(role_client)
    product = ProductFactory(organization=org)

    assert client.get(f"/api/products/{product.pk}/variants/").status_code == 200
    assert client.post(f"/api/products/{product.pk}/variants/", {"price": "1.00"}).status_code == 403


# --- Races past the serializer's checks ----------------------------------------------------------------------------


def test_a_generated_sku_that_collides_is_replaced(org):
    VariantFactory(organization=org, sku="TEA-AAAAAA")
    product = ProductFactory(organization=org, name="Tea")

    with mock.patch.object(services, "generate_sku", side_effect=["TEA-AAAAAA", "TEA-BBBBBB"]):
        variant = services.variant_add(product=product, data={"price": Decimal("1.00")})

    assert variant.sku == "TEA-BBBBBB"


def test_a_given_sku_taken_by_a_concurrent_request_is_a_400_keyed_by_field(org):
    from core.exceptions import InvalidInput

    VariantFactory(organization=org, sku="RACE", barcode="777")

    with pytest.raises(InvalidInput) as shorthand:
        services.product_create(
            organization=org, by=None, data={"name": "X"}, variants=[{"sku": "RACE"}], errors_under=None
        )
    with pytest.raises(InvalidInput) as listed:
        services.product_create(
            organization=org, by=None, data={"name": "X"}, variants=[{"sku": "FREE"}, {"sku": "Y", "barcode": "777"}]
        )

    assert set(shorthand.value.detail) == {"sku"}
    assert set(listed.value.detail) == {"variants.1"}
    assert set(listed.value.detail["variants.1"]) == {"barcode"}
    assert not Variant.objects.filter(sku__in=["FREE", "Y"]).exists()


def test_put_replaces_a_variant_and_keeps_its_sku_when_omitted(manager_client, org):
    variant = VariantFactory(organization=org, sku="KEEP", reorder_level=4)

    response = manager_client.put(detail(variant), {"price": "3.00", "attributes": {"size": "S"}})

    assert response.status_code == 200, response.json()
    variant.refresh_from_db()
    assert (variant.sku, variant.price, variant.attributes) == ("KEEP", Decimal("3.00"), {"size": "S"})


def test_put_without_a_price_is_a_400(manager_client, org):
    variant = VariantFactory(organization=org)

    response = manager_client.put(detail(variant), {"sku": "X"})

    assert response.status_code == 400
    assert "price" in response.json()["errors"]


def test_catalog_routes_have_no_format_suffix_twins(viewer_client, org):
    product = ProductFactory(organization=org, variants=1)

    for url in (f"/api/products/{product.pk}/variants.json", "/api/products/export.csv", "/api/suppliers.json"):
        response = viewer_client.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
