"""Every write route that takes a name refuses a number for it: `{"name": 12}` is a 400 naming the field.

The routes are read from the OpenAPI schema (every POST, PUT and PATCH whose JSON body has a writable string
property called `name` or `*_name`), so a route added later is walked too; one whose path needs an object this test
cannot make fails with a message saying so.
"""

import pytest
from drf_spectacular.generators import SchemaGenerator

from sales.models import SalesOrderStatus
from tests.catalog.factories import CategoryFactory, ProductFactory
from tests.sales.factories import SalesOrderFactory
from tests.suppliers.factories import SupplierFactory
from tests.users.factories import UserFactory
from tests.warehouses.factories import WarehouseFactory

pytestmark = pytest.mark.django_db

# How to make an object of the caller's organization for each route that addresses one by id.
_OBJECTS = {
    "/api/categories/{id}/": lambda org: CategoryFactory(organization=org),
    "/api/products/{id}/": lambda org: ProductFactory(organization=org),
    "/api/suppliers/{id}/": lambda org: SupplierFactory(organization=org),
    "/api/users/{id}/": lambda org: UserFactory(organization=org, role="staff"),
    "/api/warehouses/{id}/": lambda org: WarehouseFactory(organization=org),
    "/api/sales-orders/{id}/": lambda org: SalesOrderFactory(organization=org, status=SalesOrderStatus.PENDING),
}
_ANONYMOUS = {"/api/auth/register/"}


def _name_fields(schema: dict, body_schema: dict) -> list[str]:
    ref = body_schema.get("$ref", "")
    properties = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]].get("properties", {}) if ref else {}
    return [
        name
        for name, spec in properties.items()
        if (name == "name" or name.endswith("_name")) and spec.get("type") == "string" and not spec.get("readOnly")
    ]


def _write_routes_with_names() -> list[tuple[str, str, list[str]]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    routes = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in ("post", "put", "patch"):
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            fields = _name_fields(schema, body["schema"]) if body else []
            if fields:
                routes.append((method, path, fields))
    return routes


def test_the_walk_finds_the_routes_that_take_a_name():
    paths = {path for _, path, _ in _write_routes_with_names()}

    assert {"/api/categories/", "/api/products/", "/api/suppliers/", "/api/warehouses/"} <= paths
    assert {"/api/organization/", "/api/auth/register/", "/api/sales-orders/"} <= paths


def test_a_number_for_a_name_is_a_400_on_every_write_route(admin_client, api_client, org):
    refused, accepted = [], []
    for method, path, fields in _write_routes_with_names():
        url = path
        if "{id}" in path:
            assert path in _OBJECTS, f"{method.upper()} {path} takes a name: add how to make its object to _OBJECTS"
            url = path.replace("{id}", str(_OBJECTS[path](org).pk))
        client = api_client if path in _ANONYMOUS else admin_client
        for field in fields:
            response = getattr(client, method)(url, {field: 12}, format="json")
            errors = response.json().get("errors", {}) if response.status_code == 400 else {}
            outcome = refused if field in errors else accepted
            outcome.append(f"{method.upper()} {path} {field}: {response.status_code} {errors.get(field)}")

    assert not accepted, "A number was taken for a name:\n" + "\n".join(accepted)
    assert len(refused) >= 15
