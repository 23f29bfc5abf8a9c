"""`/api/sales-orders/<id>/fulfill|reject|cancel|return/`: the decisions on an order, who may take them, and the
requester's e-mail.
"""

import pytest

from sales.models import SalesOrder
from stock.models import StockMovement
from tests.sales.conftest import level, sale_movements
from tests.sales.helpers import LIST, act, body, detail
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- Fulfil -------------------------------------------------------------------------------------------------------
def test_fulfilling_a_request_takes_the_stock_and_a_second_fulfil_is_409(
    staff_client, staff, request_by_viewer, warehouse, mug, tee, shelve
):
    shelve(mug, warehouse, 5)
    shelve(tee, warehouse, 5)

    first = staff_client.post(act(request_by_viewer, "fulfill"))
    second = staff_client.post(act(request_by_viewer, "fulfill"))

    assert first.status_code == 200, first.content
    assert first.json()["status"] == "fulfilled"
    assert first.json()["decided_by"] == {"id": staff.pk, "username": "staff"}
    assert second.status_code == 409
    assert second.json()["code"] == "invalid_transition"
    assert (level(mug, warehouse), level(tee, warehouse)) == (3, 4)
    assert sale_movements(SalesOrder.objects.get()).count() == 2


def test_a_multi_line_fulfil_with_only_the_last_line_short_names_it_and_changes_nothing(
    staff_client, viewer_client, warehouse, mug, tee, cap, shelve
):
    shelve(mug, warehouse, 10)
    shelve(tee, warehouse, 10)
    shelve(cap, warehouse, 2)
    order = viewer_client.post(LIST, body(warehouse, (mug, 3), (tee, 4), (cap, 5))).json()
    movements_before = StockMovement.objects.count()

    response = staff_client.post(act(order, "fulfill"))

    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert response.json()["lines"] == [
        {"variant": cap.pk, "sku": "CAP", "warehouse": warehouse.pk, "requested": 5, "available": 2}
    ]
    assert "CAP" in response.json()["detail"]
    assert [level(v, warehouse) for v in (mug, tee, cap)] == [10, 10, 2]
    assert StockMovement.objects.count() == movements_before
    assert staff_client.get(detail(order)).json()["status"] == "pending"


def test_a_viewer_may_not_fulfil_reject_or_return(viewer_client, request_by_viewer):
    for name in ("fulfill", "reject", "return"):
        response = viewer_client.post(act(request_by_viewer, name), {})
        assert response.status_code == 403, name
        assert response.json()["code"] == "permission_denied"


def test_staff_may_not_fulfil_a_request_on_another_warehouse(
    staff_client, viewer_client, other_warehouse, mug, shelve
):
    shelve(mug, other_warehouse, 5)
    order = viewer_client.post(LIST, body(other_warehouse, (mug, 1))).json()

    response = staff_client.post(act(order, "fulfill"))

    assert response.status_code == 403
    assert level(mug, other_warehouse) == 5


def test_an_order_of_another_organization_is_404(client_for, other_admin, request_by_viewer):
    response = client_for(other_admin).post(act(request_by_viewer, "fulfill"))

    assert response.status_code == 404


# --- Reject, cancel -----------------------------------------------------------------------------------------------
def test_rejecting_stores_the_reason(manager_client, request_by_viewer):
    response = manager_client.post(act(request_by_viewer, "reject"), {"reason": "Not in stock this season"})

    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["rejection_reason"] == "Not in stock this season"
    assert response.json()["decided_by"]["username"] == "manager"


def test_the_requester_may_cancel_but_another_viewer_may_not(
    client_for, org, warehouse, viewer_client, request_by_viewer
):
    stranger = client_for(UserFactory(organization=org, role="viewer", warehouses=[warehouse]))

    refused = stranger.post(act(request_by_viewer, "cancel"))
    cancelled = viewer_client.post(act(request_by_viewer, "cancel"))
    again = viewer_client.post(act(request_by_viewer, "cancel"))

    assert refused.status_code == 403
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_a_fulfilled_order_cannot_be_rejected_or_cancelled(staff_client, warehouse, mug, shelve):
    shelve(mug, warehouse, 5)
    order = staff_client.post(LIST, body(warehouse, (mug, 1))).json()

    for name in ("reject", "cancel"):
        response = staff_client.post(act(order, name), {})
        assert response.status_code == 409, name
        assert response.json()["code"] == "invalid_transition"
        assert response.json()["current_status"] == "fulfilled"
    assert level(mug, warehouse) == 4


# --- Returns ------------------------------------------------------------------------------------------------------
def test_a_partial_return_then_the_rest(staff_client, sale, warehouse, mug, tee):
    mug_line, tee_line = (item["id"] for item in sale["items"])

    partial = staff_client.post(act(sale, "return"), {"items": [{"item": mug_line, "quantity": 1}]})
    rest = staff_client.post(
        act(sale, "return"), {"items": [{"item": mug_line, "quantity": 3}, {"item": tee_line, "quantity": 2}]}
    )

    assert partial.status_code == 200, partial.content
    assert partial.json()["status"] == "partially_returned"
    assert [i["quantity_returned"] for i in partial.json()["items"]] == [1, 0]
    assert rest.status_code == 200
    assert rest.json()["status"] == "returned"
    assert [i["quantity_returned"] for i in rest.json()["items"]] == [4, 2]
    assert (level(mug, warehouse), level(tee, warehouse)) == (10, 10)
    returns = StockMovement.objects.filter(reason="return", reference_id=sale["id"])
    assert set(returns.values_list("movement_type", flat=True)) == {"IN"}
    assert returns.count() == 3


def test_returning_more_than_is_left_is_400_on_that_line(staff_client, sale, warehouse, mug):
    mug_line = sale["items"][0]["id"]
    staff_client.post(act(sale, "return"), {"items": [{"item": mug_line, "quantity": 3}]})

    response = staff_client.post(act(sale, "return"), {"items": [{"item": mug_line, "quantity": 2}]})

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["errors"]) == ["items.0.quantity"]
    assert level(mug, warehouse) == 9
    assert staff_client.get(detail(sale)).json()["items"][0]["quantity_returned"] == 3


def test_a_return_needs_positive_quantities_and_lines_of_this_order(staff_client, sale):
    zero = staff_client.post(act(sale, "return"), {"items": [{"item": sale["items"][0]["id"], "quantity": 0}]})
    foreign_line = staff_client.post(act(sale, "return"), {"items": [{"item": 999999, "quantity": 1}]})
    empty = staff_client.post(act(sale, "return"), {"items": []})

    assert zero.status_code == 400 and "items.0.quantity" in zero.json()["errors"]
    assert foreign_line.status_code == 400 and "items.0.item" in foreign_line.json()["errors"]
    assert empty.status_code == 400 and "items" in empty.json()["errors"]


def test_a_return_without_items_takes_back_everything_still_out(staff_client, sale, warehouse, mug, tee):
    response = staff_client.post(act(sale, "return"), {})

    assert response.status_code == 200
    assert response.json()["status"] == "returned"
    assert (level(mug, warehouse), level(tee, warehouse)) == (10, 10)


def test_a_returned_or_pending_order_takes_no_return(staff_client, sale, request_by_viewer):
    staff_client.post(act(sale, "return"), {})

    again = staff_client.post(act(sale, "return"), {})
    pending = staff_client.post(act(request_by_viewer, "return"), {})

    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert pending.status_code == 409 and pending.json()["code"] == "invalid_transition"


@pytest.mark.parametrize("role_client", ["staff_client", "manager_client"])
@pytest.mark.parametrize(("name", "payload"), [("fulfill", {}), ("reject", {"reason": "x"})])
def test_decisions_on_another_warehouses_request_are_forbidden(
    request, role_client, name, payload, viewer_client, other_warehouse, mug, shelve
):
    shelve(mug, other_warehouse, 5)
    order = viewer_client.post(LIST, body(other_warehouse, (mug, 1))).json()

    response = request.getfixturevalue(role_client).post(act(order, name), payload)

    assert response.status_code == 403
    assert viewer_client.get(detail(order)).json()["status"] == "pending"
    assert level(mug, other_warehouse) == 5


@pytest.mark.parametrize("role_client", ["staff_client", "manager_client"])
def test_returns_on_another_warehouses_sale_are_forbidden(
    request, role_client, admin_client, other_warehouse, mug, shelve
):
    shelve(mug, other_warehouse, 5)
    order = admin_client.post(LIST, body(other_warehouse, (mug, 2))).json()

    response = request.getfixturevalue(role_client).post(act(order, "return"), {})

    assert response.status_code == 403
    assert level(mug, other_warehouse) == 3


def test_approving_through_the_api_emails_the_requester_once(
    staff_client,
    viewer,
    request_by_viewer,
    warehouse,
    mug,
    tee,
    shelve,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    shelve(mug, warehouse, 5)
    shelve(tee, warehouse, 5)

    with django_capture_on_commit_callbacks(execute=True):
        first = staff_client.post(act(request_by_viewer, "fulfill"), HTTP_IDEMPOTENCY_KEY="approve")
        replay = staff_client.post(act(request_by_viewer, "fulfill"), HTTP_IDEMPOTENCY_KEY="approve")

    assert first.status_code == replay.status_code == 200
    assert [message.to for message in mailoutbox] == [[viewer.email]]
    assert request_by_viewer["number"] in mailoutbox[0].subject
