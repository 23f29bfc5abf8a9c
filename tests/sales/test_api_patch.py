"""`PATCH /api/sales-orders/<id>/`: status moves and details; the Idempotency-Key of the writes."""

import pytest

from sales.models import SalesOrder
from stock.models import StockMovement
from tests.sales.conftest import level, sale_movements
from tests.sales.helpers import LIST, act, body, detail

pytestmark = pytest.mark.django_db


# --- PATCH --------------------------------------------------------------------------------------------------------
def test_patch_status_fulfilled_does_what_fulfil_does(staff_client, request_by_viewer, warehouse, mug, tee, shelve):
    shelve(mug, warehouse, 5)
    shelve(tee, warehouse, 5)

    response = staff_client.patch(detail(request_by_viewer), {"status": "fulfilled"})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "fulfilled"
    assert response.json()["fulfilled_at"] is not None
    assert (level(mug, warehouse), level(tee, warehouse)) == (3, 4)


def test_toggling_status_by_patch_is_refused_and_stock_moves_exactly_once(
    staff_client, request_by_viewer, warehouse, mug, tee, shelve
):
    shelve(mug, warehouse, 5)
    shelve(tee, warehouse, 5)
    staff_client.patch(detail(request_by_viewer), {"status": "fulfilled"})

    back = staff_client.patch(detail(request_by_viewer), {"status": "pending"})
    same = staff_client.patch(detail(request_by_viewer), {"status": "fulfilled"})
    fulfil_action = staff_client.post(act(request_by_viewer, "fulfill"))

    for response in (back, same, fulfil_action):
        assert response.status_code == 409
        assert response.json()["code"] == "invalid_transition"
    assert back.json()["current_status"] == "fulfilled" and back.json()["requested_status"] == "pending"
    assert (level(mug, warehouse), level(tee, warehouse)) == (3, 4)
    assert sale_movements(SalesOrder.objects.get()).count() == 2
    assert staff_client.get(detail(request_by_viewer)).json()["status"] == "fulfilled"


def test_patch_to_the_current_status_is_409_not_ignored(staff_client, request_by_viewer):
    response = staff_client.patch(detail(request_by_viewer), {"status": "pending"})

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_patch_status_rejected_takes_the_reason(staff_client, request_by_viewer):
    response = staff_client.patch(detail(request_by_viewer), {"status": "rejected", "reason": "Duplicate"})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["rejection_reason"]) == ("rejected", "Duplicate")


def test_patch_status_returned_takes_everything_back(staff_client, sale, warehouse, mug):
    response = staff_client.patch(detail(sale), {"status": "returned"})

    assert response.status_code == 200
    assert response.json()["status"] == "returned"
    assert level(mug, warehouse) == 10


def test_patch_status_partially_returned_asks_for_the_lines(staff_client, sale):
    response = staff_client.patch(detail(sale), {"status": "partially_returned"})

    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_patch_repeating_a_partial_return_status_is_409(staff_client, sale):
    staff_client.post(act(sale, "return"), {"items": [{"item": sale["items"][0]["id"], "quantity": 1}]})

    response = staff_client.patch(detail(sale), {"status": "partially_returned"})

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_patch_with_an_unknown_status_is_400(staff_client, request_by_viewer):
    response = staff_client.patch(detail(request_by_viewer), {"status": "shipped"})

    assert response.status_code == 400 and "status" in response.json()["errors"]


def test_a_viewer_may_cancel_their_request_by_patch_but_not_fulfil_it(viewer_client, request_by_viewer):
    fulfil = viewer_client.patch(detail(request_by_viewer), {"status": "fulfilled"})
    cancel = viewer_client.patch(detail(request_by_viewer), {"status": "cancelled"})

    assert fulfil.status_code == 403
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"


def test_patch_edits_a_pending_orders_details_but_not_a_fulfilled_ones(
    viewer_client, staff_client, request_by_viewer, sale
):
    edited = viewer_client.patch(
        detail(request_by_viewer), {"customer_name": "Zoe", "customer_email": "z@example.com"}
    )
    frozen = staff_client.patch(detail(sale), {"customer_name": "Zoe"})
    items = viewer_client.patch(detail(request_by_viewer), {"items": []})

    assert edited.status_code == 200
    assert (edited.json()["customer_name"], edited.json()["customer_email"]) == ("Zoe", "z@example.com")
    assert frozen.status_code == 409 and frozen.json()["code"] == "conflict"
    assert items.status_code == 400 and "items" in items.json()["errors"]


def test_orders_are_never_replaced_or_deleted(admin_client, request_by_viewer):
    assert admin_client.put(detail(request_by_viewer), {"status": "pending"}).status_code == 405
    assert admin_client.delete(detail(request_by_viewer)).status_code == 405
    assert SalesOrder.objects.count() == 1


# --- Idempotency --------------------------------------------------------------------------------------------------
def test_a_repeated_create_with_the_same_key_makes_one_order(staff_client, warehouse, mug, shelve):
    shelve(mug, warehouse, 10)
    payload = body(warehouse, (mug, 2))

    first = staff_client.post(LIST, payload, HTTP_IDEMPOTENCY_KEY="sale-1")
    second = staff_client.post(LIST, payload, HTTP_IDEMPOTENCY_KEY="sale-1")
    other_body = staff_client.post(LIST, body(warehouse, (mug, 3)), HTTP_IDEMPOTENCY_KEY="sale-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert other_body.status_code == 422 and other_body.json()["code"] == "idempotency_key_reused"
    assert SalesOrder.objects.count() == 1
    assert level(mug, warehouse) == 8


@pytest.mark.parametrize(("name", "payload"), [("fulfill", {}), ("reject", {"reason": "no"}), ("cancel", {})])
def test_a_repeated_decision_with_the_same_key_replays_instead_of_409(
    staff_client, request_by_viewer, warehouse, mug, tee, shelve, name, payload
):
    shelve(mug, warehouse, 5)
    shelve(tee, warehouse, 5)

    first = staff_client.post(act(request_by_viewer, name), payload, HTTP_IDEMPOTENCY_KEY=f"decide-{name}")
    second = staff_client.post(act(request_by_viewer, name), payload, HTTP_IDEMPOTENCY_KEY=f"decide-{name}")

    assert first.status_code == second.status_code == 200
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert StockMovement.objects.filter(reason="sale").count() == (2 if name == "fulfill" else 0)


def test_a_repeated_return_with_the_same_key_returns_once(staff_client, sale, warehouse, mug):
    payload = {"items": [{"item": sale["items"][0]["id"], "quantity": 1}]}

    first = staff_client.post(act(sale, "return"), payload, HTTP_IDEMPOTENCY_KEY="r-1")
    second = staff_client.post(act(sale, "return"), payload, HTTP_IDEMPOTENCY_KEY="r-1")

    assert first.status_code == second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert level(mug, warehouse) == 7
