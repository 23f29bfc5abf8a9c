"""`/api/purchase-orders/`: creating orders (bad input, other organizations' ids, direct purchases), who may create
and move orders, and where.
"""

import pytest
from rest_framework.relations import PrimaryKeyRelatedField

from core.tenancy import OrganizationPrimaryKeyRelatedField
from purchases.models import PurchaseOrder
from tests.purchases.factories import PurchaseOrderFactory
from tests.purchases.helpers import LIST_URL, action_url, detail_url
from tests.purchases.ledger import on_hand
from tests.suppliers.factories import SupplierFactory

# --- Creating -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"items": []}, "items"),
        ({"items": None}, "items"),
        ({"items": [{"variant": 0, "quantity_ordered": 1, "unit_cost": "1.00"}]}, "items.0.variant"),
        ({"status": "cancelled"}, "status"),
        ({"status": "partially_received"}, "status"),
        ({"supplier": None}, "supplier"),
    ],
)
def test_create_with_bad_input_answers_400_naming_the_field(admin_client, payload, change, field):
    response = admin_client.post(LIST_URL, payload(**change), format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in body["errors"]
    assert not PurchaseOrder.objects.exists()


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"quantity_ordered": 0}, "items.1.quantity_ordered"),
        ({"quantity_ordered": -3}, "items.1.quantity_ordered"),
        ({"unit_cost": "-0.01"}, "items.1.unit_cost"),
    ],
)
def test_create_refuses_impossible_lines(admin_client, payload, variant, line, field):
    body = payload()
    body["items"][1] |= line

    response = admin_client.post(LIST_URL, body, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {field}


def test_ids_of_another_organization_answer_400(admin_client, payload, foreign_variant, foreign_warehouse, other_org):
    foreign_supplier = SupplierFactory(organization=other_org)
    body = payload(supplier=foreign_supplier.pk, warehouse=foreign_warehouse.pk)
    body["items"][0]["variant"] = foreign_variant.pk

    response = admin_client.post(LIST_URL, body, format="json")

    assert response.status_code == 400
    assert {"supplier", "warehouse", "items.0.variant"} <= set(response.json()["errors"])
    assert not PurchaseOrder.objects.exists()


def test_ids_of_another_organization_that_get_past_the_serializer_answer_400_from_the_service(
    admin_client, payload, foreign_variant, foreign_warehouse, other_org, monkeypatch
):
    # The service refuses them too, as the sales service does, for a caller whose fields do not filter.
    monkeypatch.setattr(OrganizationPrimaryKeyRelatedField, "get_queryset", PrimaryKeyRelatedField.get_queryset)
    body = payload(supplier=SupplierFactory(organization=other_org).pk, warehouse=foreign_warehouse.pk)
    body["items"][1]["variant"] = foreign_variant.pk

    response = admin_client.post(LIST_URL, body, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {
        "supplier": ["Unknown supplier."],
        "warehouse": ["Unknown warehouse."],
        "items.1.variant": ["Unknown variant."],
    }
    assert not PurchaseOrder.objects.exists()


def test_create_as_received_brings_the_stock_in_at_once(admin_client, payload, variant, variant_b, warehouse):
    response = admin_client.post(LIST_URL, payload(status="received"), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "received" and body["received_at"] is not None
    assert [item["quantity_received"] for item in body["items"]] == [10, 3]
    assert (on_hand(variant, warehouse), on_hand(variant_b, warehouse)) == (10, 3)


def test_create_in_an_inactive_warehouse_is_refused(admin_client, payload, warehouse):
    warehouse.is_active = False
    warehouse.save()

    response = admin_client.post(LIST_URL, payload(), format="json")

    assert response.status_code == 400
    assert "warehouse" in response.json()["errors"]


# --- Roles and warehouses -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status", "in_own_warehouse", "expected"),
    [
        ("admin", "received", False, 201),
        ("manager", "submitted", True, 201),
        ("manager", "draft", False, 403),
        ("staff", "draft", True, 201),
        ("staff", "received", True, 403),  # a direct purchase is a submission too
        ("manager", "received", True, 201),
        ("staff", "submitted", True, 403),
        ("staff", "draft", False, 403),
        ("viewer", "draft", True, 403),
    ],
)
def test_who_may_create_an_order_and_where(
    request, client_for, payload, other_warehouse, warehouse, role, status, in_own_warehouse, expected
):
    client = client_for(request.getfixturevalue(role))
    target = warehouse if in_own_warehouse else other_warehouse

    response = client.post(LIST_URL, payload(status=status, warehouse=target.pk), format="json")

    assert response.status_code == expected, response.content
    assert PurchaseOrder.objects.count() == (1 if expected == 201 else 0)
    if expected == 403:
        assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("role", "action", "start", "expected"),
    [
        ("manager", "submit", "draft", 200),
        ("manager", "receive", "submitted", 200),
        ("manager", "cancel", "submitted", 200),
        ("staff", "submit", "draft", 403),
        ("staff", "receive", "submitted", 200),
        ("staff", "cancel", "draft", 403),
        ("viewer", "receive", "submitted", 403),
        ("viewer", "submit", "draft", 403),
    ],
)
def test_who_may_move_an_order_in_their_own_warehouse(
    request, client_for, make_order, variant, role, action, start, expected
):
    order = make_order([(variant, 4, "2.00")], status=start)

    response = client_for(request.getfixturevalue(role)).post(action_url(order, action))

    assert response.status_code == expected, response.content
    order.refresh_from_db()
    assert (order.status != start) == (expected == 200)


@pytest.mark.parametrize("action", ["submit", "receive", "cancel"])
def test_managers_and_staff_cannot_move_orders_of_other_warehouses(
    client_for, make_order, manager, staff, variant, other_warehouse, action
):
    start = "draft" if action == "submit" else "submitted"
    order = make_order([(variant, 4, "2.00")], status=start, warehouse=other_warehouse)

    for user in (manager, staff):
        response = client_for(user).post(action_url(order, action))
        assert response.status_code == 403

    order.refresh_from_db()
    assert order.status == start
    assert on_hand(variant, other_warehouse) == 0


def test_an_order_of_another_organization_answers_404_on_every_route(client_for, other_admin, admin, variant):
    foreign = PurchaseOrderFactory(organization=other_admin.organization, status="submitted")
    client = client_for(admin)

    assert client.get(detail_url(foreign)).status_code == 404
    assert client.patch(detail_url(foreign), {"notes": "x"}, format="json").status_code == 404
    for action in ("submit", "receive", "cancel"):
        assert client.post(action_url(foreign, action)).status_code == 404
