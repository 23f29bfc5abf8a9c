"""`/api/sales-orders/`: filters, search and ordering, who reads, query budgets and totals."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sales.models import SalesOrder
from tests.sales.factories import SalesOrderFactory, SalesOrderItemFactory
from tests.sales.helpers import LIST, body, detail

pytestmark = pytest.mark.django_db


# --- Reads --------------------------------------------------------------------------------------------------------
def _backdate(order_id, day: datetime.date):
    moment = datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)
    SalesOrder.objects.filter(pk=order_id).update(created_at=moment)


def test_filters_by_status_warehouse_and_inclusive_dates(admin_client, org, warehouse, other_warehouse, mug, shelve):
    shelve(mug, warehouse, 10)
    sold = admin_client.post(LIST, body(warehouse, (mug, 1))).json()
    requested = admin_client.post(LIST, body(other_warehouse, (mug, 1), status="pending")).json()
    old = admin_client.post(LIST, body(warehouse, (mug, 1), status="pending")).json()
    _backdate(sold["id"], datetime.date(2025, 3, 10))
    _backdate(requested["id"], datetime.date(2025, 3, 12))
    _backdate(old["id"], datetime.date(2025, 1, 1))

    def ids(**params):
        response = admin_client.get(LIST, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(status="pending") == {requested["id"], old["id"]}
    assert ids(warehouse=other_warehouse.pk) == {requested["id"]}
    assert ids(created_after="2025-03-10", created_before="2025-03-12") == {sold["id"], requested["id"]}
    assert ids(created_after="2025-03-11") == {requested["id"]}
    assert ids(created_before="2025-03-10") == {sold["id"], old["id"]}
    assert admin_client.get(LIST, {"created_after": "10/03/2025"}).status_code == 400
    assert admin_client.get(LIST, {"status": "lost"}).status_code == 400


def test_search_and_ordering(admin_client, warehouse, mug):
    a = admin_client.post(LIST, body(warehouse, (mug, 1), status="pending", customer_name="Alice")).json()
    b = admin_client.post(LIST, body(warehouse, (mug, 9), status="pending", customer_name="Bob")).json()

    found = admin_client.get(LIST, {"search": "alice"}).json()["results"]
    by_total = admin_client.get(LIST, {"ordering": "-total_amount"}).json()["results"]
    newest_first = admin_client.get(LIST).json()["results"]

    assert [row["id"] for row in found] == [a["id"]]
    assert [row["id"] for row in by_total] == [b["id"], a["id"]]
    assert [row["id"] for row in newest_first] == [b["id"], a["id"]]


def test_every_role_reads_every_order_of_the_organization(viewer_client, admin_client, other_warehouse, mug):
    order = admin_client.post(LIST, body(other_warehouse, (mug, 1), status="pending")).json()

    assert viewer_client.get(detail(order)).status_code == 200
    assert [row["id"] for row in viewer_client.get(LIST).json()["results"]] == [order["id"]]


def test_reads_need_authentication(api_client):
    response = api_client.get(LIST)

    assert response.status_code == 401


def _orders(org, count, lines):
    for _ in range(count):
        SalesOrderFactory(organization=org, items=lines)


def test_the_list_runs_the_same_queries_for_5_and_100_orders_of_any_size(admin_client, org):
    _orders(org, 5, 1)
    with CaptureQueriesContext(connection) as small:
        assert len(admin_client.get(LIST, {"page_size": 5}).json()["results"]) == 5
    _orders(org, 95, 4)
    with CaptureQueriesContext(connection) as large:
        assert len(admin_client.get(LIST, {"page_size": 100}).json()["results"]) == 100

    assert len(large) == len(small)
    assert len(large) <= 4  # count, page, items with their variants and products


def test_the_detail_runs_the_same_queries_for_1_and_30_items(admin_client, org):
    small, large = SalesOrderFactory(organization=org, items=1), SalesOrderFactory(organization=org, items=30)
    with CaptureQueriesContext(connection) as few:
        assert len(admin_client.get(detail(small)).json()["items"]) == 1
    with CaptureQueriesContext(connection) as many:
        assert len(admin_client.get(detail(large)).json()["items"]) == 30

    assert len(many) == len(few) <= 3


def test_totals_add_up_the_lines(admin_client, org):
    order = SalesOrderFactory(organization=org, items=0)
    SalesOrderItemFactory(order=order, quantity=3, unit_price=Decimal("19.99"))
    SalesOrderItemFactory(order=order, quantity=1, unit_price=Decimal("0.02"))

    data = admin_client.get(detail(order)).json()

    assert [item["line_total"] for item in data["items"]] == ["59.97", "0.02"]
    assert data["total_amount"] == "59.99"
