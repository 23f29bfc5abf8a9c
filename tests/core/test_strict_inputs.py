"""Bodies take the JSON types the schema names: a flag is `true`/`false`, a list of ids is a list, a login's
username is text, money is a decimal string or a number; a multipart body with no named part is a 400; an empty
optional query value is the value left out (the schema says `allowEmptyValue`).
"""

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.catalog.factories import ProductFactory
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", [0, 1, "true", "yes", None])
def test_a_flag_that_is_not_a_json_boolean_is_a_400(admin_client, warehouse, value):
    response = admin_client.patch(f"/api/warehouses/{warehouse.pk}/", {"is_active": value}, format="json")

    assert response.status_code == 400
    assert "is_active" in response.json()["errors"]


def test_a_json_boolean_and_a_form_flag_are_taken(admin_client, warehouse):
    assert (
        admin_client.patch(f"/api/warehouses/{warehouse.pk}/", {"is_active": False}, format="json").json()["is_active"]
        is False
    )
    response = admin_client.patch(f"/api/warehouses/{warehouse.pk}/", {"is_active": "true"}, format="multipart")
    assert response.status_code == 200
    assert response.json()["is_active"] is True


def test_an_object_for_a_list_of_ids_is_a_400(admin_client, org):
    user = UserFactory(organization=org, role="staff")

    response = admin_client.patch(f"/api/users/{user.pk}/", {"warehouses": {}}, format="json")

    assert response.status_code == 400
    assert "warehouses" in response.json()["errors"]


def test_a_number_for_a_username_on_login_is_a_400(api_client):
    response = api_client.post("/api/auth/login/", {"username": 0, "password": "x"}, format="json")

    assert response.status_code == 400
    assert "username" in response.json()["errors"]


def test_money_is_a_decimal_string_or_a_number(admin_client, org):
    variant = ProductFactory(organization=org, variants=1).variants.first()
    url = f"/api/variants/{variant.pk}/"

    assert admin_client.patch(url, {"price": 12.5}, format="json").json()["price"] == "12.50"
    assert admin_client.patch(url, {"price": "13.25"}, format="json").json()["price"] == "13.25"
    assert admin_client.patch(url, {"price": 1.005}, format="json").status_code == 400
    price = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]["PatchedVariantRequest"]
    assert [branch["type"] for branch in price["properties"]["price"]["oneOf"]] == ["string", "number"]


def test_a_multipart_body_of_no_named_part_is_a_400(admin_client):
    body = b"--b\r\nTrue--b--\r\n"

    response = admin_client.generic("PATCH", "/api/users/me/", body, content_type="multipart/form-data; boundary=b")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_an_empty_multipart_form_is_an_empty_form(admin_client):
    response = admin_client.generic(
        "PATCH", "/api/users/me/", b"--b--\r\n", content_type="multipart/form-data; boundary=b"
    )

    assert response.status_code == 200


def test_an_empty_optional_query_value_is_the_value_left_out(admin_client):
    response = admin_client.get("/api/dashboard/sales/?to=")

    assert response.status_code == 200
    parameters = SchemaGenerator().get_schema(request=None, public=True)["paths"]["/api/dashboard/sales/"]["get"]
    assert all(
        parameter.get("allowEmptyValue") for parameter in parameters["parameters"] if parameter["in"] == "query"
    )
