"""`/api/stock-movements/`: what clients read of the ledger, its filters, and that nothing there writes it."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from stock.models import Reason, StockLevel, StockMovement
from stock.selectors import stock_movement_list
from stock.serializers import StockMovementSerializer
from stock.services import Reference, StockChange, stock_remove
from tests.catalog.factories import VariantFactory
from tests.stock.helpers import put_stock
from tests.warehouses.factories import WarehouseFactory

pytestmark = pytest.mark.django_db

MOVEMENTS = "/api/stock-movements/"


# --- Movements ------------------------------------------------------------------------------------------------------


def test_a_movement_lists_as_the_contract_describes_it(viewer_client, admin, variant, warehouse):
    movement = put_stock(variant, warehouse, 4, by=admin)

    response = viewer_client.get(MOVEMENTS)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    assert body["results"] == [
        {
            "id": movement.pk,
            "variant": variant.pk,
            "sku": "TEA-GREEN",
            "product": variant.product_id,
            "product_name": "Green tea",
            "warehouse": warehouse.pk,
            "warehouse_name": "Main",
            "movement_type": "IN",
            "reason": "opening",
            "quantity": 4,
            "balance_after": 4,
            "unit_cost": "6.00",
            "reference": None,
            "performed_by": {"id": admin.pk, "username": "admin"},
            "note": "",
            "created_at": body["results"][0]["created_at"],
        }
    ]
    assert body["results"][0]["created_at"].endswith("Z")


def test_a_movements_reference_names_its_cause(viewer_client, org, variant, warehouse):
    put_stock(variant, warehouse, 4)
    stock_remove(
        organization_id=org.pk,
        changes=[StockChange(variant.pk, warehouse.pk, 1)],
        reason=Reason.SALE,
        reference=Reference("sales_order", 12),
    )

    newest = viewer_client.get(MOVEMENTS).json()["results"][0]

    assert newest["reference"] == {"type": "sales_order", "id": 12}
    assert (newest["movement_type"], newest["balance_after"]) == ("OUT", 3)


def test_the_listed_movements_are_what_the_serializer_makes_of_the_same_movements(
    viewer_client, org, admin, variant, variant_b, warehouse
):
    # The list reads its page as rows and shapes them itself; every other route that shows a movement (an
    # adjustment's, a detail) goes through StockMovementSerializer. Both must agree on every kind of movement.
    put_stock(variant, warehouse, 7, by=admin)
    put_stock(variant_b, warehouse, 3)  # no user: performed_by is null
    stock_remove(
        organization_id=org.pk,
        changes=[StockChange(variant.pk, warehouse.pk, 2, unit_cost=Decimal("1.5"))],
        reason=Reason.SALE,
        by=admin,
        reference=Reference("sales_order", 12),
        note="Counter sale, \u00e9t\u00e9",
    )
    StockMovement.objects.filter(variant=variant_b).update(unit_cost=None)

    listed = viewer_client.get(MOVEMENTS).json()["results"]

    by_serializer = [
        StockMovementSerializer(movement).data
        for movement in StockMovement.objects.select_related("variant__product", "warehouse", "performed_by")
        .filter(organization=org)
        .order_by("-created_at", "-id")
    ]
    assert len(listed) == 3
    assert listed == json.loads(json.dumps(by_serializer))
    annotated = stock_movement_list(organization_id=org.pk).order_by("-created_at", "-id")  # the list's own selector
    assert listed == json.loads(json.dumps(StockMovementSerializer(annotated, many=True).data))
    assert {row["unit_cost"] for row in listed} == {None, "1.50", "6.00"}


def test_each_list_request_reads_the_ledger_afresh(viewer_client, variant, warehouse, foreign_variant):
    # The list's rows queryset is kept per organization (stock_movement_rows): only clones of it may be evaluated.
    first = put_stock(variant, warehouse, 1)
    assert [row["id"] for row in viewer_client.get(MOVEMENTS).json()["results"]] == [first.pk]

    second = put_stock(variant, warehouse, 2)
    put_stock(foreign_variant, WarehouseFactory(organization=foreign_variant.organization), 3)

    assert [row["id"] for row in viewer_client.get(MOVEMENTS).json()["results"]] == [second.pk, first.pk]
    assert [row["id"] for row in viewer_client.get(MOVEMENTS, {"variant": variant.pk}).json()["results"]] == [
        second.pk,
        first.pk,
    ]


def test_movements_come_newest_first_with_a_cursor(viewer_client, variant, warehouse):
    ids = [put_stock(variant, warehouse, 1).pk for _ in range(5)]

    first = viewer_client.get(MOVEMENTS, {"page_size": 2}).json()
    second = viewer_client.get(first["next"]).json()

    assert [row["id"] for row in first["results"]] == ids[:-3:-1]
    assert [row["id"] for row in second["results"]] == ids[-3:-5:-1]
    assert "cursor=" in first["next"]
    assert "count" not in first


def test_movements_filter_as_the_contract_lists(viewer_client, org, admin, staff, variant, variant_b, warehouse):
    other = put_stock(variant, warehouse, 5, by=admin)
    mine = put_stock(variant_b, warehouse, 5, by=staff, reason=Reason.ADJUSTMENT)
    [out] = stock_remove(
        organization_id=org.pk, changes=[StockChange(variant.pk, warehouse.pk, 1)], reason=Reason.SALE, by=admin
    )

    def ids(**params):
        return {row["id"] for row in viewer_client.get(MOVEMENTS, params).json()["results"]}

    assert ids(variant=variant.pk) == {other.pk, out.pk}
    assert ids(product=variant_b.product_id) == {mine.pk}
    assert ids(warehouse=warehouse.pk) == {other.pk, mine.pk, out.pk}
    assert ids(movement_type="OUT") == {out.pk}
    assert ids(reason="adjustment") == {mine.pk}
    assert ids(performed_by=staff.pk) == {mine.pk}


def test_created_after_and_before_are_inclusive_days(viewer_client, variant, warehouse):
    today = timezone.now().date()
    old = put_stock(variant, warehouse, 1)
    StockMovement.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    new = put_stock(variant, warehouse, 1)

    def ids(**params):
        return {row["id"] for row in viewer_client.get(MOVEMENTS, params).json()["results"]}

    assert ids(created_after=today.isoformat()) == {new.pk}
    assert ids(created_before=today.isoformat()) == {old.pk, new.pk}
    assert ids(created_before=(today - timedelta(days=1)).isoformat()) == {old.pk}
    assert ids(
        created_after=(today - timedelta(days=3)).isoformat(), created_before=(today - timedelta(days=3)).isoformat()
    ) == {old.pk}


def test_a_bad_filter_value_is_400(viewer_client):
    response = viewer_client.get(MOVEMENTS, {"created_after": "yesterday"})

    assert response.status_code == 400
    assert "created_after" in response.json()["errors"]


def test_a_movement_has_a_detail_route(viewer_client, variant, warehouse):
    movement = put_stock(variant, warehouse, 2)

    response = viewer_client.get(f"{MOVEMENTS}{movement.pk}/")

    assert (response.status_code, response.json()["id"], response.json()["balance_after"]) == (200, movement.pk, 2)


@pytest.mark.parametrize(("method", "detail"), [("post", False), ("put", True), ("patch", True), ("delete", True)])
def test_any_write_to_movements_is_405_and_changes_nothing(admin_client, variant, warehouse, method, detail):
    movement = put_stock(variant, warehouse, 2)
    url = f"{MOVEMENTS}{movement.pk}/" if detail else MOVEMENTS

    response = getattr(admin_client, method)(url, {"quantity": 50, "variant": variant.pk, "warehouse": warehouse.pk})

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert StockMovement.objects.get().quantity == 2
    assert StockMovement.objects.count() == 1


def test_movement_list_runs_the_same_queries_for_5_and_100_rows(viewer_client, org, warehouse):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(50):
        put_stock(VariantFactory(organization=org), warehouse, 1, reason=Reason.PURCHASE)
    for level in StockLevel.objects.all():
        put_stock(level.variant, warehouse, 1)

    counts = []
    for size in (5, 100):
        with CaptureQueriesContext(connection) as captured:
            response = viewer_client.get(MOVEMENTS, {"page_size": size})
        assert len(response.json()["results"]) == size
        counts.append(len(captured))

    assert counts[0] == counts[1] <= 2
