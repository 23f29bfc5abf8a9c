"""`/api/sales-orders/`: sales and purchase requests, who may make which and where, and what is refused."""

import pytest

from sales.models import SalesOrder
from tests.catalog.factories import VariantFactory
from tests.sales.conftest import level, sale_movements
from tests.sales.helpers import ITEM_FIELDS, LIST, ORDER_FIELDS, body, detail

pytestmark = pytest.mark.django_db


# --- Create -------------------------------------------------------------------------------------------------------
def test_staff_create_a_sale_that_takes_the_stock(staff_client, staff, warehouse, mug, tee, shelve):
    shelve(mug, warehouse, 10)
    shelve(tee, warehouse, 10)

    response = staff_client.post(
        LIST,
        {
            "warehouse": warehouse.pk,
            "customer_name": "Jane Doe",
            "customer_email": "jane@example.com",
            "items": [{"variant": mug.pk, "quantity": 2}, {"variant": tee.pk, "quantity": 1, "unit_price": "18.00"}],
        },
    )

    assert response.status_code == 201, response.content
    order = response.json()
    assert ORDER_FIELDS <= set(order)
    assert ITEM_FIELDS <= set(order["items"][0])
    assert order["number"] == "SO-00001"
    assert order["status"] == "fulfilled"
    assert order["created_by"] == {"id": staff.pk, "username": "staff"}
    assert order["decided_by"] == {"id": staff.pk, "username": "staff"}
    assert order["fulfilled_at"] is not None
    assert [
        (i["sku"], i["quantity"], i["unit_price"], i["line_total"], i["quantity_returned"]) for i in order["items"]
    ] == [
        ("MUG", 2, "12.50", "25.00", 0),
        ("TEE", 1, "18.00", "18.00", 0),
    ]
    assert order["total_amount"] == "43.00"
    assert (level(mug, warehouse), level(tee, warehouse)) == (8, 9)


def test_a_viewers_order_is_a_pending_request_and_takes_no_stock(viewer_client, viewer, warehouse, mug, shelve):
    shelve(mug, warehouse, 10)

    response = viewer_client.post(LIST, body(warehouse, (mug, 2)))

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending"
    assert response.json()["decided_by"] is None and response.json()["fulfilled_at"] is None
    assert level(mug, warehouse) == 10


def test_a_viewer_asking_to_sell_directly_is_forbidden(viewer_client, warehouse, mug, shelve):
    shelve(mug, warehouse, 10)

    response = viewer_client.post(LIST, body(warehouse, (mug, 2), status="fulfilled"))

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not SalesOrder.objects.exists()


@pytest.mark.parametrize("role_client", ["viewer_client", "staff_client", "manager_client", "admin_client"])
def test_every_role_may_request_from_any_warehouse_of_the_organization(request, role_client, other_warehouse, mug):
    client = request.getfixturevalue(role_client)

    response = client.post(LIST, body(other_warehouse, (mug, 1), status="pending"))

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending"


@pytest.mark.parametrize("role_client", ["staff_client", "manager_client"])
def test_staff_and_managers_cannot_sell_from_a_warehouse_not_theirs(
    request, role_client, other_warehouse, mug, shelve
):
    shelve(mug, other_warehouse, 10)
    client = request.getfixturevalue(role_client)

    response = client.post(LIST, body(other_warehouse, (mug, 1)))

    assert response.status_code == 403
    assert level(mug, other_warehouse) == 10
    assert not SalesOrder.objects.exists()


def test_an_admin_sells_from_any_warehouse(admin_client, other_warehouse, mug, shelve):
    shelve(mug, other_warehouse, 10)

    response = admin_client.post(LIST, body(other_warehouse, (mug, 1)))

    assert response.status_code == 201
    assert level(mug, other_warehouse) == 9


@pytest.mark.parametrize("items", [[], None], ids=["empty", "missing"])
def test_an_order_needs_at_least_one_item(staff_client, warehouse, items):
    payload = {"warehouse": warehouse.pk} | ({} if items is None else {"items": items})

    response = staff_client.post(LIST, payload)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "items" in response.json()["errors"]


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"quantity": 0}, "items.0.quantity"),
        ({"quantity": -2}, "items.0.quantity"),
        ({"quantity": 1_000_001}, "items.0.quantity"),
        ({"unit_price": "-1"}, "items.0.unit_price"),
        ({"unit_price": "12345678901.00"}, "items.0.unit_price"),
    ],
)
def test_a_bad_line_is_400_naming_its_field(staff_client, warehouse, mug, line, field):
    response = staff_client.post(
        LIST, {"warehouse": warehouse.pk, "items": [{"variant": mug.pk, "quantity": 1} | line]}
    )

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_ids_of_another_organization_are_400(staff_client, warehouse, mug, other_org, foreign_warehouse):
    foreign_variant = VariantFactory(organization=other_org)

    wrong_variant = staff_client.post(LIST, body(warehouse, (mug, 1), (foreign_variant, 1)))
    wrong_warehouse = staff_client.post(LIST, body(foreign_warehouse, (mug, 1), status="pending"))

    assert wrong_variant.status_code == 400 and "items.1.variant" in wrong_variant.json()["errors"]
    assert wrong_warehouse.status_code == 400 and "warehouse" in wrong_warehouse.json()["errors"]
    assert not SalesOrder.objects.exists()


def test_an_inactive_warehouse_takes_no_orders(staff_client, warehouse, mug):
    warehouse.is_active = False
    warehouse.save()

    response = staff_client.post(LIST, body(warehouse, (mug, 1), status="pending"))

    assert response.status_code == 400 and "warehouse" in response.json()["errors"]


def test_a_short_sale_is_409_and_creates_no_order(staff_client, warehouse, mug, tee, shelve):
    shelve(mug, warehouse, 5)
    shelve(tee, warehouse, 1)

    response = staff_client.post(LIST, body(warehouse, (mug, 2), (tee, 3)))

    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert response.json()["lines"] == [
        {"variant": tee.pk, "sku": "TEE", "warehouse": warehouse.pk, "requested": 3, "available": 1}
    ]
    assert not SalesOrder.objects.exists()
    assert (level(mug, warehouse), level(tee, warehouse)) == (5, 1)
    assert staff_client.post(LIST, body(warehouse, (mug, 1))).json()["number"] == "SO-00001"


def test_the_same_variant_on_two_lines_is_checked_against_their_total(staff_client, warehouse, mug, shelve):
    shelve(mug, warehouse, 5)

    short = staff_client.post(LIST, body(warehouse, (mug, 3), (mug, 3)))
    enough = staff_client.post(LIST, body(warehouse, (mug, 3), (mug, 2)))

    assert short.status_code == 409
    assert short.json()["lines"][0]["requested"] == 6 and short.json()["lines"][0]["available"] == 5
    assert enough.status_code == 201
    assert [m.quantity for m in sale_movements(SalesOrder.objects.get())] == [3, 2]
    assert level(mug, warehouse) == 0


@pytest.mark.parametrize("status", ["fulfilled", "pending"])
def test_a_created_order_answers_what_reading_it_back_answers(admin_client, warehouse, mug, tee, cap, shelve, status):
    # The created order is shaped from what was written; its own route reads it back from the database.
    shelve(mug, warehouse, 10)
    shelve(tee, warehouse, 3)
    lines = [
        {"variant": mug.pk, "quantity": 3, "unit_price": "12.5"},
        {"variant": tee.pk, "quantity": 2},
        {"variant": tee.pk, "quantity": 1},
    ]
    if status == "pending":  # a line with no stock to hold, and two of one variant sharing what is there
        lines += [{"variant": cap.pk, "quantity": 2}, {"variant": tee.pk, "quantity": 4}]
    request = {"warehouse": warehouse.pk, "items": lines, "status": status, "customer_name": " Ann ", "notes": "n"}

    created = admin_client.post(LIST, request, format="json")

    assert created.status_code == 201, created.json()
    assert created.json() == admin_client.get(detail(created.json())).json()
    if status == "pending":
        assert created.json()["reservation_status"] == "partial"
