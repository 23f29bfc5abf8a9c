from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from purchases.models import PurchaseOrder
from stock.models import StockMovement
from tests.purchases.factories import PurchaseOrderFactory
from tests.purchases.ledger import on_hand, purchase_movements
from tests.stock.invariants import assert_ledger_consistent
from tests.suppliers.factories import SupplierFactory

LIST_URL = reverse("purchases:purchase-order-list")
ORDER_FIELDS = {
    "id",
    "number",
    "supplier",
    "supplier_name",
    "warehouse",
    "status",
    "items",
    "total_amount",
    "notes",
    "created_by",
    "created_at",
    "submitted_at",
    "received_at",
}
ITEM_FIELDS = {"id", "variant", "sku", "quantity_ordered", "quantity_received", "unit_cost", "line_total"}


def detail_url(order):
    return reverse("purchases:purchase-order-detail", args=[order.pk])


def action_url(order, action):
    return reverse(f"purchases:purchase-order-{action}", args=[order.pk])


@pytest.fixture
def payload(supplier, warehouse, variant, variant_b):
    def make(**overrides):
        body = {
            "supplier": supplier.pk,
            "warehouse": warehouse.pk,
            "notes": "Spring restock",
            "items": [
                {"variant": variant.pk, "quantity_ordered": 10, "unit_cost": "2.00"},
                {"variant": variant_b.pk, "quantity_ordered": 3, "unit_cost": "7.50"},
            ],
        }
        return {**body, **overrides}

    return make


# --- Reading --------------------------------------------------------------------------------------------------


def test_create_answers_201_with_the_contracts_fields(admin_client, admin, payload, supplier, warehouse, variant):
    response = admin_client.post(LIST_URL, payload(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert ORDER_FIELDS <= set(body)
    assert body["number"] == "PO-00001"
    assert (body["supplier"], body["supplier_name"], body["warehouse"]) == (supplier.pk, "Northwind", warehouse.pk)
    assert body["status"] == "draft"
    assert body["total_amount"] == "42.50"
    assert body["created_by"] == {"id": admin.pk, "username": "admin"}
    assert body["submitted_at"] is None and body["received_at"] is None
    assert ITEM_FIELDS <= set(body["items"][0])
    assert body["items"][0] | {"id": None} == {
        "id": None,
        "variant": variant.pk,
        "sku": "TEA-GREEN",
        "quantity_ordered": 10,
        "quantity_received": 0,
        "quantity_open": 10,
        "unit_cost": "2.00",
        "line_total": "20.00",
    }


def test_list_and_detail_show_the_same_order(admin_client, payload):
    created = admin_client.post(LIST_URL, payload(), format="json").json()

    listed = admin_client.get(LIST_URL).json()
    detail = admin_client.get(reverse("purchases:purchase-order-detail", args=[created["id"]])).json()

    assert listed["count"] == 1
    assert listed["results"][0] == created == detail


def test_every_role_reads_orders(client_for, admin, manager, staff, viewer, payload):
    order_id = client_for(admin).post(LIST_URL, payload(), format="json").json()["id"]

    for user in (manager, staff, viewer):
        client = client_for(user)
        assert client.get(LIST_URL).json()["count"] == 1
        assert client.get(reverse("purchases:purchase-order-detail", args=[order_id])).status_code == 200


def test_filters_by_status_supplier_and_warehouse(admin_client, org, supplier, warehouse, other_warehouse):
    other_supplier = SupplierFactory(organization=org)
    draft = PurchaseOrderFactory(organization=org, supplier=supplier, warehouse=warehouse)
    submitted = PurchaseOrderFactory(
        organization=org, supplier=other_supplier, warehouse=warehouse, status="submitted"
    )
    annex = PurchaseOrderFactory(organization=org, supplier=supplier, warehouse=other_warehouse)

    def ids(**params):
        return {row["id"] for row in admin_client.get(LIST_URL, params).json()["results"]}

    assert ids(status="draft") == {draft.pk, annex.pk}
    assert ids(status="submitted") == {submitted.pk}
    assert ids(supplier=other_supplier.pk) == {submitted.pk}
    assert ids(warehouse=other_warehouse.pk) == {annex.pk}
    assert ids(warehouse=warehouse.pk, supplier=supplier.pk) == {draft.pk}
    assert admin_client.get(LIST_URL, {"status": "shipped"}).status_code == 400


def test_search_finds_an_order_by_number_or_supplier_name(admin_client, org, supplier):
    order = PurchaseOrderFactory(organization=org, supplier=supplier, number="PO-04242")
    PurchaseOrderFactory(organization=org)

    by_number = admin_client.get(LIST_URL, {"search": "04242"}).json()["results"]
    by_supplier = admin_client.get(LIST_URL, {"search": "northw"}).json()["results"]

    assert [row["id"] for row in by_number] == [order.pk]
    assert [row["id"] for row in by_supplier] == [order.pk]


def test_put_and_delete_are_not_routes(admin_client, org):
    order = PurchaseOrderFactory(organization=org)

    assert admin_client.put(detail_url(order), {}, format="json").status_code == 405
    assert admin_client.delete(detail_url(order)).status_code == 405
    assert PurchaseOrder.objects.filter(pk=order.pk).exists()


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


# --- Actions --------------------------------------------------------------------------------------------------


def test_submit_then_receive_in_two_parts(admin_client, make_order, variant, warehouse):
    order = make_order([(variant, 10, "2.00")])
    item_id = order.items.get().pk

    submitted = admin_client.post(action_url(order, "submit"))
    part = admin_client.post(
        action_url(order, "receive"), {"items": [{"item": item_id, "quantity": 4}]}, format="json"
    )
    rest = admin_client.post(action_url(order, "receive"))

    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert submitted.json()["submitted_at"] is not None
    assert part.status_code == 200 and part.json()["status"] == "partially_received"
    assert part.json()["items"][0]["quantity_received"] == 4
    assert rest.status_code == 200 and rest.json()["status"] == "received"
    assert rest.json()["received_at"] is not None
    assert on_hand(variant, warehouse) == 10
    assert [(m.reason, m.quantity) for m in purchase_movements(order)] == [("purchase", 4), ("purchase", 6)]


def test_receiving_more_than_is_open_answers_400_at_the_lines_quantity(admin_client, make_order, variant, warehouse):
    order = make_order([(variant, 10, "2.00")], status="submitted")
    item_id = order.items.get().pk

    response = admin_client.post(
        action_url(order, "receive"), {"items": [{"item": item_id, "quantity": 11}]}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["errors"]) == ["items.0.quantity"]
    assert on_hand(variant, warehouse) == 0


@pytest.mark.parametrize(
    ("items", "field"),
    [([{"item": 1, "quantity": 0}], "items.0.quantity"), ([], "items"), ([{"quantity": 1}], "items.0.item")],
)
def test_receive_with_bad_lines_answers_400(admin_client, make_order, variant, items, field):
    order = make_order([(variant, 10, "2.00")], status="submitted")

    response = admin_client.post(action_url(order, "receive"), {"items": items}, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_cancel_answers_200_and_a_second_cancel_409(admin_client, make_order, variant):
    order = make_order([(variant, 10, "2.00")], status="submitted")

    first = admin_client.post(action_url(order, "cancel"))
    second = admin_client.post(action_url(order, "cancel"))

    assert first.status_code == 200 and first.json()["status"] == "cancelled"
    assert second.status_code == 409
    assert second.json()["code"] == "invalid_transition"


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("submit", "submitted"),
        ("submit", "received"),
        ("receive", "draft"),
        ("receive", "received"),
        ("receive", "cancelled"),
        ("cancel", "received"),
    ],
)
def test_illegal_actions_answer_409_invalid_transition(admin_client, make_order, variant, action, status):
    order = make_order([(variant, 10, "2.00")], status="draft" if status == "cancelled" else status)
    if status == "cancelled":
        admin_client.post(action_url(order, "cancel"))
    movements = StockMovement.objects.count()

    response = admin_client.post(action_url(order, action))

    assert response.status_code == 409
    body = response.json()
    assert (body["status"], body["code"]) == (409, "invalid_transition")
    assert body["detail"]
    order.refresh_from_db()
    assert order.status == status
    assert StockMovement.objects.count() == movements


# --- PATCH ----------------------------------------------------------------------------------------------------


def test_patch_items_replaces_every_line_of_a_draft(admin_client, make_order, variant, variant_b):
    order = make_order([(variant, 10, "2.00"), (variant_b, 1, "1.00")])

    response = admin_client.patch(
        detail_url(order),
        {"items": [{"variant": variant_b.pk, "quantity_ordered": 6, "unit_cost": "1.25"}], "notes": "revised"},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert [(i["variant"], i["quantity_ordered"], i["unit_cost"]) for i in body["items"]] == [
        (variant_b.pk, 6, "1.25")
    ]
    assert body["total_amount"] == "7.50"
    assert body["notes"] == "revised"


@pytest.mark.parametrize("status", ["submitted", "received"])
def test_patch_items_after_draft_answers_409(admin_client, make_order, variant, status):
    order = make_order([(variant, 10, "2.00")], status=status)

    response = admin_client.patch(
        detail_url(order), {"items": [{"variant": variant.pk, "quantity_ordered": 99}]}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert order.items.get().quantity_ordered == 10


def test_patch_status_received_does_what_receive_does(admin_client, make_order, variant, warehouse):
    order = make_order([(variant, 10, "2.00")], status="submitted")

    response = admin_client.patch(detail_url(order), {"status": "received"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "received"
    assert on_hand(variant, warehouse) == 10
    assert purchase_movements(order).count() == 1


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("received", "draft"),
        ("received", "submitted"),
        ("received", "received"),
        ("submitted", "submitted"),
        ("submitted", "draft"),
        ("draft", "received"),
        ("draft", "draft"),
        ("submitted", "partially_received"),
    ],
)
def test_patch_status_that_is_not_a_legal_move_answers_409(admin_client, make_order, variant, current, target):
    order = make_order([(variant, 10, "2.00")], status=current)
    movements = StockMovement.objects.count()

    response = admin_client.patch(detail_url(order), {"status": target, "notes": "changed"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    order.refresh_from_db()
    assert order.status == current
    assert order.notes == ""  # the whole PATCH is refused, not half applied
    assert StockMovement.objects.count() == movements


def test_patch_status_with_an_unknown_value_answers_400(admin_client, make_order, variant):
    order = make_order([(variant, 10, "2.00")])

    response = admin_client.patch(detail_url(order), {"status": "shipped"}, format="json")

    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_toggling_status_by_patch_never_applies_the_stock_twice(admin_client, make_order, variant, warehouse):
    order = make_order([(variant, 10, "2.00")], status="submitted")
    assert admin_client.patch(detail_url(order), {"status": "received"}, format="json").status_code == 200

    answers = [
        admin_client.patch(detail_url(order), {"status": status}, format="json").status_code
        for status in ["draft", "received", "submitted", "received", "cancelled", "partially_received", "received"]
    ]

    assert answers == [409] * 7
    assert on_hand(variant, warehouse) == 10
    assert purchase_movements(order).count() == 1
    assert_ledger_consistent(order.organization)
    variant.refresh_from_db()
    assert variant.cost == Decimal("2.00")


def test_staff_may_patch_status_received_but_not_submitted(staff_client, make_order, variant):
    draft = make_order([(variant, 10, "2.00")])
    submitted = make_order([(variant, 10, "2.00")], status="submitted")

    refused = staff_client.patch(detail_url(draft), {"status": "submitted"}, format="json")
    received = staff_client.patch(detail_url(submitted), {"status": "received"}, format="json")

    assert refused.status_code == 403
    assert received.status_code == 200 and received.json()["status"] == "received"


def test_viewer_cannot_patch(viewer_client, make_order, variant):
    order = make_order([(variant, 10, "2.00")])

    response = viewer_client.patch(detail_url(order), {"notes": "mine"}, format="json")

    assert response.status_code == 403


# --- Idempotency ----------------------------------------------------------------------------------------------


def test_a_repeated_create_with_the_same_key_replays_the_first_answer(admin_client, payload, variant, warehouse):
    headers = {"Idempotency-Key": "po-create-1"}

    first = admin_client.post(LIST_URL, payload(status="received"), format="json", headers=headers)
    again = admin_client.post(LIST_URL, payload(status="received"), format="json", headers=headers)
    other = admin_client.post(LIST_URL, payload(status="draft"), format="json", headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert PurchaseOrder.objects.count() == 1
    assert on_hand(variant, warehouse) == 10


def test_a_repeated_receive_with_the_same_key_receives_once(admin_client, make_order, variant, warehouse):
    order = make_order([(variant, 10, "2.00")], status="submitted")
    body = {"items": [{"item": order.items.get().pk, "quantity": 3}]}
    headers = {"Idempotency-Key": "po-receive-1"}

    first = admin_client.post(action_url(order, "receive"), body, format="json", headers=headers)
    again = admin_client.post(action_url(order, "receive"), body, format="json", headers=headers)

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert on_hand(variant, warehouse) == 3


@pytest.mark.parametrize("action", ["submit", "cancel"])
def test_the_other_actions_honour_the_key_too(admin_client, make_order, variant, action):
    order = make_order([(variant, 10, "2.00")])
    headers = {"Idempotency-Key": f"po-{action}"}

    first = admin_client.post(action_url(order, action), format="json", headers=headers)
    again = admin_client.post(action_url(order, action), format="json", headers=headers)

    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"


# --- Query budgets --------------------------------------------------------------------------------------------


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


def test_the_list_runs_the_same_queries_for_any_number_of_orders_and_items(admin_client, org):
    PurchaseOrderFactory.create_batch(2, organization=org, items=1)
    few = _queries(admin_client, LIST_URL, {"page_size": 5})

    PurchaseOrderFactory.create_batch(30, organization=org, items=4)
    many = _queries(admin_client, LIST_URL, {"page_size": 100})

    assert few == many <= 4


def test_the_detail_runs_the_same_queries_for_any_number_of_items(admin_client, org):
    small = PurchaseOrderFactory(organization=org, items=1)
    large = PurchaseOrderFactory(organization=org, items=25)

    assert _queries(admin_client, detail_url(small)) == _queries(admin_client, detail_url(large)) <= 3


def test_deleting_a_supplier_with_purchase_orders_answers_409_protected(admin_client, make_order, variant, supplier):
    make_order([(variant, 1, "1.00")])

    response = admin_client.delete(reverse("suppliers:supplier-detail", args=[supplier.pk]))

    assert response.status_code == 409
    assert response.json()["code"] == "protected"
    assert PurchaseOrder.objects.filter(supplier=supplier).exists()
