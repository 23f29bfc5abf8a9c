"""`/api/products/alerts/`: low stock levels, expired products, products expiring soon."""

from datetime import timedelta

import pytest
from django.utils import timezone

from stock.models import StockLevel
from tests.catalog.factories import ProductFactory, VariantFactory
from tests.stock.helpers import put_stock

pytestmark = pytest.mark.django_db

URL = "/api/products/alerts/"


def _today():
    return timezone.now().date()


def test_alerts_list_low_levels_most_urgent_first(viewer_client, org, warehouse, other_warehouse):
    far_below = VariantFactory(organization=org, sku="FAR", reorder_level=20)
    just_low = VariantFactory(organization=org, sku="JUST", reorder_level=5)
    fine = VariantFactory(organization=org, sku="FINE", reorder_level=5)
    put_stock(far_below, warehouse, 2)
    put_stock(just_low, other_warehouse, 5)
    put_stock(fine, warehouse, 6)

    response = viewer_client.get(URL)

    assert response.status_code == 200
    low = response.json()["low_stock"]
    assert [(row["sku"], row["quantity"], row["reorder_level"], row["is_low_stock"]) for row in low] == [
        ("FAR", 2, 20, True),
        ("JUST", 5, 5, True),
    ]
    assert low[0]["id"] == StockLevel.objects.get(variant=far_below).pk


def test_a_levels_override_decides_whether_it_is_low(viewer_client, org, warehouse):
    variant = VariantFactory(organization=org, sku="OVR", reorder_level=10)
    put_stock(variant, warehouse, 4)
    StockLevel.objects.filter(variant=variant).update(reorder_level_override=3, reorder_level=3)

    assert viewer_client.get(URL).json()["low_stock"] == []


def test_low_stock_can_be_restricted_to_one_warehouse(viewer_client, org, warehouse, other_warehouse):
    variant = VariantFactory(organization=org, sku="LOW", reorder_level=10)
    put_stock(variant, warehouse, 1)
    put_stock(variant, other_warehouse, 1)

    rows = viewer_client.get(URL, {"warehouse": other_warehouse.pk}).json()["low_stock"]

    assert [row["warehouse"] for row in rows] == [other_warehouse.pk]


def test_alerts_split_expired_and_expiring_products_by_the_days_window(viewer_client, org):
    today = _today()
    ProductFactory(organization=org, name="Yesterday", expiration_date=today - timedelta(days=1))
    ProductFactory(organization=org, name="Today", expiration_date=today)
    ProductFactory(organization=org, name="In ten days", expiration_date=today + timedelta(days=10))
    ProductFactory(organization=org, name="In forty days", expiration_date=today + timedelta(days=40))
    ProductFactory(organization=org, name="Never")
    ProductFactory(organization=org, name="Archived", expiration_date=today - timedelta(days=2), is_active=False)

    default = viewer_client.get(URL).json()
    week = viewer_client.get(URL, {"days": 7}).json()

    assert [p["name"] for p in default["expired"]] == ["Yesterday", "Today"]  # a date of today is expired
    assert [p["name"] for p in default["expiring_soon"]] == ["In ten days"]
    assert [p["name"] for p in week["expiring_soon"]] == []
    assert default["expired"][0]["is_expired"] is True
    assert {"id", "variants", "total_quantity", "is_low_stock"} <= set(default["expired"][0])


def test_expiring_products_carry_their_stock(viewer_client, org, warehouse):
    product = ProductFactory(organization=org, name="Milk", expiration_date=_today() + timedelta(days=2))
    variant = VariantFactory(organization=org, product=product, sku="MILK-1L")
    put_stock(variant, warehouse, 9)

    [milk] = viewer_client.get(URL).json()["expiring_soon"]

    assert milk["total_quantity"] == 9
    assert [(v["sku"], v["quantity"]) for v in milk["variants"]] == [("MILK-1L", 9)]


def test_another_organizations_alerts_are_not_shown(viewer_client, other_org, foreign_warehouse):
    foreign = VariantFactory(organization=other_org, reorder_level=50)
    put_stock(foreign, foreign_warehouse, 1)
    ProductFactory(organization=other_org, expiration_date=_today() - timedelta(days=1))

    body = viewer_client.get(URL).json()

    assert body == {"low_stock": [], "expired": [], "expiring_soon": []}


@pytest.mark.parametrize("days", ["-1", "soon", "100000"])
def test_a_bad_days_value_is_400(viewer_client, days):
    response = viewer_client.get(URL, {"days": days})

    assert response.status_code == 400
    assert "days" in response.json()["errors"]


def test_alerts_need_authentication(api_client):
    assert api_client.get(URL).status_code == 401


def test_alerts_cost_the_same_queries_for_few_and_many_rows(viewer_client, org, warehouse):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(count):
        for _ in range(count):
            product = ProductFactory(organization=org, expiration_date=_today() - timedelta(days=1))
            put_stock(VariantFactory(organization=org, product=product, reorder_level=9), warehouse, 1)

    add(2)
    with CaptureQueriesContext(connection) as few:
        viewer_client.get(URL)
    add(30)
    with CaptureQueriesContext(connection) as many:
        response = viewer_client.get(URL)

    assert len(response.json()["expired"]) == 32
    assert len(few) == len(many)
