"""`PATCH /api/purchase-orders/<id>/`: items of a draft, status moves (legal or not), roles."""

from decimal import Decimal

import pytest

from stock.models import StockMovement
from tests.purchases.helpers import detail_url
from tests.purchases.ledger import on_hand, purchase_movements
from tests.stock.invariants import assert_ledger_consistent

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
