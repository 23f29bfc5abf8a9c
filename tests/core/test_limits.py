"""Every input has a bound, each a setting, answered with a 400 or 413 that names it; and bad bounds are 400s."""

import json

import pytest
from django.conf import settings
from django.db import OperationalError

from catalog.models import Product, Variant
from sales.models import SalesOrder
from stock.models import Transfer
from tests.core.test_errors import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def variant(org):
    product = Product.objects.create(organization=org, name="Tea")
    return Variant.objects.create(organization=org, product=product, sku="TEA-1", price="2.00")


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [33, 5000])
def test_json_nested_deeper_than_the_limit_is_400_naming_it(api_client, depth):
    body = '{"username": "a", "password": ' + _nested(depth) + "}"

    response = api_client.post("/api/auth/login/", body, content_type="application/json")

    error = assert_error(response, 400, "parse_error")
    assert "JSON_MAX_DEPTH" in error["detail"]


def test_json_within_the_depth_limit_is_read_as_usual(admin_client):
    response = admin_client.post("/api/categories/", {"name": "Teas", "description": "Leaves"}, format="json")

    assert response.status_code == 201


@pytest.mark.parametrize("route", ["/api/sales-orders/", "/api/purchase-orders/", "/api/stock-movements/"])
def test_the_last_representable_date_as_created_before_is_400(admin_client, route):
    response = admin_client.get(route, {"created_before": "9999-12-31"})

    error = assert_error(response, 400, "validation_error")
    assert "created_before" in error["errors"]


def test_a_body_over_the_limit_is_413_naming_it(admin_client):
    payload = {"name": "Teas", "description": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}

    response = admin_client.post("/api/categories/", json.dumps(payload), content_type="application/json")

    error = assert_error(response, 413, "request_too_large")
    assert "REQUEST_BODY_MAX_BYTES" in error["detail"]


def test_text_longer_than_the_limit_is_400_and_saves_nothing(admin_client):
    response = admin_client.post(
        "/api/products/", {"name": "Tea", "price": "2.00", "description": "x" * (settings.TEXT_MAX_LENGTH + 1)}
    )

    error = assert_error(response, 400, "validation_error")
    assert str(settings.TEXT_MAX_LENGTH) in error["errors"]["description"][0]
    assert not Product.objects.exists()


def test_a_sales_order_with_more_lines_than_the_limit_is_400(viewer_client, warehouse, variant):
    lines = [{"variant": variant.pk, "quantity": 1}] * (settings.ORDER_MAX_LINES + 1)

    response = viewer_client.post("/api/sales-orders/", {"warehouse": warehouse.pk, "items": lines})

    error = assert_error(response, 400, "validation_error")
    [(field, messages)] = error["errors"].items()
    assert field.startswith("items") and str(settings.ORDER_MAX_LINES) in messages[0]
    assert not SalesOrder.objects.exists()


def test_a_transfer_with_more_lines_than_the_limit_is_400(admin_client, warehouse, other_warehouse, variant):
    lines = [{"variant": variant.pk, "quantity": 1}] * (settings.ORDER_MAX_LINES + 1)
    payload = {"source_warehouse": warehouse.pk, "destination_warehouse": other_warehouse.pk, "items": lines}

    response = admin_client.post("/api/transfers/", payload)

    assert_error(response, 400, "validation_error")
    assert not Transfer.objects.exists()


def test_a_purchase_order_with_more_lines_than_the_limit_is_400(admin_client, warehouse, variant, org):
    from tests.suppliers.factories import SupplierFactory

    supplier = SupplierFactory(organization=org)
    lines = [{"variant": variant.pk, "quantity_ordered": 1, "unit_cost": "1.00"}] * (settings.ORDER_MAX_LINES + 1)

    response = admin_client.post(
        "/api/purchase-orders/", {"supplier": supplier.pk, "warehouse": warehouse.pk, "items": lines}
    )

    assert_error(response, 400, "validation_error")


def _database_down(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")


@pytest.mark.parametrize(
    ("method", "route", "body"),
    [
        ("post", "/api/auth/login/", {"username": "admin", "password": "x"}),
        ("get", "/api/products/", None),
        ("post", "/api/stock-adjustments/", {"sku": "X", "warehouse": 1, "quantity": 1}),
    ],
)
def test_a_database_outage_answers_503_in_the_error_shape(admin_client, monkeypatch, method, route, body):
    from django.db.backends.utils import CursorWrapper

    monkeypatch.setattr(CursorWrapper, "execute", _database_down)
    monkeypatch.setattr(CursorWrapper, "executemany", _database_down)

    response = getattr(admin_client, method)(route, body)

    assert_error(response, 503, "service_unavailable")
    assert response["Retry-After"]
