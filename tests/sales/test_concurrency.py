"""Sales under real concurrency: threads with their own PostgreSQL connections, released together by a barrier."""

import pytest
from django.urls import reverse

from sales.models import SalesOrder
from tests.concurrency import client, run_together, statuses
from tests.sales.conftest import level, sale_movements

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
LIST = reverse("sales:salesorder-list")
ROUNDS = 3


def test_ten_parallel_fulfils_of_one_request_fulfil_it_once(viewer, staff, warehouse, mug, tee, shelve):
    shelve(mug, warehouse, 100)
    shelve(tee, warehouse, 100)
    for round_ in range(ROUNDS):
        order = (
            client(viewer)
            .post(
                LIST,
                {
                    "warehouse": warehouse.pk,
                    "items": [
                        {"variant": mug.pk, "quantity": 2},
                        {"variant": tee.pk, "quantity": 3},
                    ],
                },
            )
            .json()
        )
        url = reverse("sales:salesorder-fulfill", args=[order["id"]])

        responses = run_together(10, lambda i, url=url: client(staff).post(url))

        assert statuses(responses) == {200: 1, 409: 9}, f"round {round_}"
        assert {r.json()["code"] for r in responses if r.status_code == 409} == {"invalid_transition"}
        assert sale_movements(SalesOrder.objects.get(pk=order["id"])).count() == 2
    assert (level(mug, warehouse), level(tee, warehouse)) == (100 - 2 * ROUNDS, 100 - 3 * ROUNDS)


def test_parallel_patch_toggles_and_fulfils_apply_the_stock_once(viewer, staff, warehouse, mug, shelve):
    shelve(mug, warehouse, 50)
    order = client(viewer).post(LIST, {"warehouse": warehouse.pk, "items": [{"variant": mug.pk, "quantity": 5}]})
    url = reverse("sales:salesorder-detail", args=[order.json()["id"]])
    fulfil_url = reverse("sales:salesorder-fulfill", args=[order.json()["id"]])

    def call(index):
        api = client(staff)
        if index % 3 == 0:
            return api.post(fulfil_url)
        return api.patch(url, {"status": "fulfilled" if index % 3 == 1 else "pending"})

    responses = run_together(12, call)

    assert statuses(responses)[200] == 1
    assert level(mug, warehouse) == 45
    assert sale_movements(SalesOrder.objects.get()).count() == 1


def test_twenty_parallel_creations_get_twenty_distinct_consecutive_numbers(staff, warehouse, mug, shelve):
    shelve(mug, warehouse, 20)
    payload = {"warehouse": warehouse.pk, "items": [{"variant": mug.pk, "quantity": 1}]}

    responses = run_together(20, lambda i: client(staff).post(LIST, payload))

    assert statuses(responses) == {201: 20}
    numbers = sorted(response.json()["number"] for response in responses)
    assert numbers == [f"SO-{n:05d}" for n in range(1, 21)]
    assert level(mug, warehouse) == 0


def test_parallel_sales_never_oversell_and_failed_ones_consume_no_number(staff, warehouse, mug, shelve):
    shelve(mug, warehouse, 5)
    payload = {"warehouse": warehouse.pk, "items": [{"variant": mug.pk, "quantity": 1}]}

    responses = run_together(12, lambda i: client(staff).post(LIST, payload))

    assert statuses(responses) == {201: 5, 409: 7}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"insufficient_stock"}
    assert level(mug, warehouse) == 0
    assert sorted(SalesOrder.objects.values_list("number", flat=True)) == [f"SO-{n:05d}" for n in range(1, 6)]


def test_parallel_returns_of_one_line_never_return_more_than_was_sold(staff, warehouse, mug, shelve):
    shelve(mug, warehouse, 10)
    order = client(staff).post(LIST, {"warehouse": warehouse.pk, "items": [{"variant": mug.pk, "quantity": 3}]}).json()
    url = reverse("sales:salesorder-return", args=[order["id"]])
    payload = {"items": [{"item": order["items"][0]["id"], "quantity": 1}]}

    responses = run_together(8, lambda i: client(staff).post(url, payload))

    # Three succeed; afterwards the order is `returned`, so the rest are 409 (or 400 if they saw it partially open).
    assert statuses(responses)[200] == 3
    assert set(statuses(responses)) <= {200, 400, 409}
    assert level(mug, warehouse) == 10
    assert SalesOrder.objects.get().items.get().quantity_returned == 3
