"""`Idempotency-Key` on the stock POST routes: a retried request changes stock once."""

import pytest

from stock.models import StockAdjustment, StockMovement
from tests.stock.helpers import on_hand, put_stock

pytestmark = pytest.mark.django_db


def test_a_retried_adjustment_replays_the_first_answer_and_moves_stock_once(admin_client, variant, warehouse):
    body = {"variant": variant.pk, "warehouse": warehouse.pk, "quantity": 5}

    first = admin_client.post("/api/stock-adjustments/", body, HTTP_IDEMPOTENCY_KEY="adj-1")
    again = admin_client.post("/api/stock-adjustments/", body, HTTP_IDEMPOTENCY_KEY="adj-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (on_hand(variant, warehouse), StockAdjustment.objects.count()) == (5, 1)


def test_the_same_key_with_another_body_is_422_and_moves_nothing(admin_client, variant, warehouse):
    admin_client.post(
        "/api/stock-adjustments/",
        {"variant": variant.pk, "warehouse": warehouse.pk, "quantity": 5},
        HTTP_IDEMPOTENCY_KEY="k",
    )

    response = admin_client.post(
        "/api/stock-adjustments/",
        {"variant": variant.pk, "warehouse": warehouse.pk, "quantity": 6},
        HTTP_IDEMPOTENCY_KEY="k",
    )

    assert (response.status_code, response.json()["code"]) == (422, "idempotency_key_reused")
    assert on_hand(variant, warehouse) == 5


def test_a_refused_adjustment_is_not_stored_so_the_key_can_be_retried(admin_client, variant, warehouse):
    body = {"variant": variant.pk, "warehouse": warehouse.pk, "quantity": -2}

    refused = admin_client.post("/api/stock-adjustments/", body, HTTP_IDEMPOTENCY_KEY="retry-me")
    put_stock(variant, warehouse, 3)
    accepted = admin_client.post("/api/stock-adjustments/", body, HTTP_IDEMPOTENCY_KEY="retry-me")

    assert (refused.status_code, accepted.status_code) == (409, 201)
    assert on_hand(variant, warehouse) == 1


def test_a_retried_approval_replays_200_and_moves_stock_once(admin_client, variant, warehouse, other_warehouse):
    put_stock(variant, warehouse, 10)
    transfer = admin_client.post(
        "/api/transfers/",
        {
            "source_warehouse": warehouse.pk,
            "destination_warehouse": other_warehouse.pk,
            "items": [{"variant": variant.pk, "quantity": 4}],
        },
        HTTP_IDEMPOTENCY_KEY="create-1",
    ).json()
    url = f"/api/transfers/{transfer['id']}/approve/"

    first = admin_client.post(url, HTTP_IDEMPOTENCY_KEY="approve-1")
    again = admin_client.post(url, HTTP_IDEMPOTENCY_KEY="approve-1")

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert StockMovement.objects.filter(reference_type="transfer").count() == 2
    assert (on_hand(variant, warehouse), on_hand(variant, other_warehouse)) == (6, 4)
