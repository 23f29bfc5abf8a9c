"""A page of transfers stays small whatever the transfers hold: a bounded number of lines each, plus their count."""

import pytest

from core.pagination import LIST_ITEMS
from tests.catalog.factories import VariantFactory
from tests.order_lists import assert_bounded
from tests.stock.factories import TransferFactory

pytestmark = pytest.mark.django_db


def _transfers(org, warehouse, other_warehouse, lines, count=3):
    variant = VariantFactory(organization=org)
    return [
        TransferFactory(
            organization=org,
            source_warehouse=warehouse,
            destination_warehouse=other_warehouse,
            items=lines,
            items__variant=variant,
        )
        for _ in range(count)
    ]


def test_a_page_of_transfers_with_many_lines_costs_what_one_line_transfers_cost(
    admin_client, org, warehouse, other_warehouse
):
    assert_bounded(admin_client, "/api/transfers/", lambda lines: _transfers(org, warehouse, other_warehouse, lines))


def test_the_transfer_route_shows_every_line(admin_client, org, warehouse, other_warehouse):
    lines = LIST_ITEMS + 5
    (transfer,) = _transfers(org, warehouse, other_warehouse, lines, count=1)

    listed = admin_client.get("/api/transfers/").json()["results"][0]
    detail = admin_client.get(f"/api/transfers/{transfer.pk}/").json()

    assert len(listed["items"]) == LIST_ITEMS and listed["items_count"] == lines
    assert len(detail["items"]) == lines and detail["items_count"] == lines
