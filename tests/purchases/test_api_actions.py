"""`/api/purchase-orders/<id>/submit|receive|cancel/`: the actions, what they refuse, and their Idempotency-Key."""

import pytest

from purchases.models import PurchaseOrder
from stock.models import StockMovement
from tests.purchases.helpers import LIST_URL, action_url
from tests.purchases.ledger import on_hand, purchase_movements

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
