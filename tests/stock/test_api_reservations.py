"""`/api/stock-reservations/`: read-only, for every role, scoped to the caller's organization.

These read tests use bare reservation rows (the factory); what makes, shrinks, tops up and releases them is tested
through the sales order routes in tests/sales/test_api_reservations.py.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stock.models import StockReservation
from tests.stock.factories import StockLevelFactory, StockReservationFactory

pytestmark = pytest.mark.django_db

URL = "/api/stock-reservations/"


@pytest.fixture
def reservation(org, variant, warehouse):
    level = StockLevelFactory(organization=org, variant=variant, warehouse=warehouse)
    return StockReservationFactory(organization=org, level=level, reference_number="SO-00007", quantity=2)


@pytest.mark.parametrize("role", ["admin", "manager", "staff", "viewer"])
def test_every_role_lists_the_reservations_of_its_organization(client_for, request, role, reservation):
    response = client_for(request.getfixturevalue(role)).get(URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["results"] == [
        {
            "id": reservation.pk,
            "sales_order": reservation.reference_id,
            "sales_order_number": "SO-00007",
            "item": reservation.line_id,
            "variant": reservation.level.variant_id,
            "sku": reservation.level.variant.sku,
            "warehouse": reservation.level.warehouse_id,
            "quantity": 2,
            "requested": 3,
            "created_at": body["results"][0]["created_at"],
        }
    ]


def test_a_reservation_is_retrieved_by_id(viewer_client, reservation):
    response = viewer_client.get(f"{URL}{reservation.pk}/")

    assert response.status_code == 200
    assert response.json()["sales_order_number"] == "SO-00007"


def test_without_credentials_the_route_answers_401(api_client, reservation):
    assert api_client.get(URL).status_code == 401


def test_another_organizations_reservation_is_not_listed_and_is_404(viewer_client, other_org, reservation):
    foreign = StockReservationFactory(organization=other_org)

    listed = {row["id"] for row in viewer_client.get(URL).json()["results"]}
    response = viewer_client.get(f"{URL}{foreign.pk}/")

    assert listed == {reservation.pk}
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_line_still_waiting_for_stock_holds_nothing_and_is_not_listed(viewer_client, reservation):
    StockReservationFactory(organization=reservation.organization, quantity=0)

    assert [row["id"] for row in viewer_client.get(URL).json()["results"]] == [reservation.pk]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_any_write_is_405_and_changes_nothing(admin_client, reservation, method):
    url = URL if method == "post" else f"{URL}{reservation.pk}/"

    response = getattr(admin_client, method)(url, {"quantity": 9}, format="json")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    reservation.refresh_from_db()
    assert reservation.quantity == 2


def test_filters_by_warehouse_variant_and_sales_order(viewer_client, org, variant, variant_b, other_warehouse):
    here = StockReservationFactory(organization=org, level=StockLevelFactory(organization=org, variant=variant))
    there = StockReservationFactory(
        organization=org, level=StockLevelFactory(organization=org, variant=variant_b, warehouse=other_warehouse)
    )

    def listed(**params):
        return [row["id"] for row in viewer_client.get(URL, params).json()["results"]]

    assert listed(warehouse=other_warehouse.pk) == [there.pk]
    assert listed(variant=variant.pk) == [here.pk]
    assert listed(sales_order=here.reference_id) == [here.pk]
    assert listed() == [there.pk, here.pk]  # newest first


def test_the_list_runs_the_same_queries_for_2_and_40_rows(viewer_client, org):
    counts = []
    for size in (2, 40):
        StockReservation.objects.all().delete()
        for _ in range(size):
            StockReservationFactory(organization=org)
        with CaptureQueriesContext(connection) as captured:
            response = viewer_client.get(URL, {"page_size": 100})
        assert len(response.json()["results"]) == size
        counts.append(len(captured))

    assert counts[0] == counts[1] <= 3
