"""Available-to-promise through the API: pending orders reserve, sales take only available units, fulfilment
consumes, reject/cancel release, adjustments shrink the newest, incoming stock tops up the oldest, `reserve/`.
"""

import pytest

from stock.models import StockLevel, StockReservation

pytestmark = pytest.mark.django_db

ORDERS = "/api/sales-orders/"
ADJUSTMENTS = "/api/stock-adjustments/"


def _pending(client, warehouse, *lines):
    items = [{"variant": variant.pk, "quantity": quantity} for variant, quantity in lines]
    body = {"warehouse": warehouse.pk, "status": "pending", "items": items}
    response = client.post(ORDERS, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def _level(variant, warehouse):
    return StockLevel.objects.get(variant=variant, warehouse=warehouse)


def test_a_pending_order_reserves_each_line_up_to_what_is_available(viewer_client, shelve, mug, tee, cap, warehouse):
    shelve(mug, warehouse, 5)
    shelve(tee, warehouse, 2)

    order = _pending(viewer_client, warehouse, (mug, 3), (tee, 4), (cap, 1))

    assert [item["quantity_reserved"] for item in order["items"]] == [3, 2, 0]
    assert order["reservation_status"] == "partial"
    assert (_level(mug, warehouse).reserved, _level(tee, warehouse).reserved) == (3, 2)


def test_reservation_status_is_reserved_when_every_line_is_held_and_none_when_nothing_is(
    viewer_client, shelve, mug, warehouse
):
    shelve(mug, warehouse, 3)

    full = _pending(viewer_client, warehouse, (mug, 3))
    empty = _pending(viewer_client, warehouse, (mug, 100_000))

    assert full["reservation_status"] == "reserved"
    assert empty["reservation_status"] == "none"
    assert empty["items"][0]["quantity_reserved"] == 0


def test_the_same_variant_on_two_lines_reserves_against_their_total(viewer_client, shelve, mug, warehouse):
    shelve(mug, warehouse, 5)

    order = _pending(viewer_client, warehouse, (mug, 3), (mug, 3))

    assert [item["quantity_reserved"] for item in order["items"]] == [3, 2]


def test_levels_variants_and_products_show_reserved_and_available(viewer_client, shelve, mug, warehouse):
    shelve(mug, warehouse, 5)
    _pending(viewer_client, warehouse, (mug, 2))

    level = viewer_client.get("/api/stock-levels/", {"variant": mug.pk}).json()["results"][0]
    variant = viewer_client.get(f"/api/variants/{mug.pk}/").json()
    product = viewer_client.get(f"/api/products/{mug.product_id}/").json()

    assert (level["quantity"], level["reserved"], level["available"]) == (5, 2, 3)
    assert (variant["quantity"], variant["reserved"], variant["available"]) == (5, 2, 3)
    assert (product["total_quantity"], product["total_available"]) == (5, 3)
    assert (product["variants"][0]["reserved"], product["variants"][0]["available"]) == (2, 3)


def test_a_direct_sale_cannot_take_reserved_units_and_409_reports_available(
    viewer_client, staff_client, shelve, mug, warehouse
):
    shelve(mug, warehouse, 5)
    _pending(viewer_client, warehouse, (mug, 4))

    response = staff_client.post(
        ORDERS, {"warehouse": warehouse.pk, "items": [{"variant": mug.pk, "quantity": 2}]}, format="json"
    )

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "insufficient_stock"
    assert body["lines"] == [
        {"variant": mug.pk, "sku": mug.sku, "warehouse": warehouse.pk, "requested": 2, "available": 1}
    ]
    assert _level(mug, warehouse).quantity == 5


def test_fulfilling_consumes_its_own_reservation_and_takes_the_rest_from_available(
    viewer_client, staff_client, shelve, mug, warehouse
):
    shelve(mug, warehouse, 5)
    order = _pending(viewer_client, warehouse, (mug, 4))  # holds 4
    _pending(viewer_client, warehouse, (mug, 1))  # holds the last one

    response = staff_client.post(f"{ORDERS}{order['id']}/fulfill/")

    assert response.status_code == 200
    assert response.json()["reservation_status"] == "none"
    level = _level(mug, warehouse)
    assert (level.quantity, level.reserved) == (1, 1)
    assert not StockReservation.objects.filter(reference_id=order["id"]).exists()


def test_fulfilling_another_order_cannot_take_a_promised_unit(viewer_client, staff_client, shelve, mug, warehouse):
    shelve(mug, warehouse, 3)
    _pending(viewer_client, warehouse, (mug, 3))
    short = _pending(viewer_client, warehouse, (mug, 2))  # holds nothing

    response = staff_client.post(f"{ORDERS}{short['id']}/fulfill/")

    assert response.status_code == 409
    assert response.json()["lines"][0]["available"] == 0
    assert (_level(mug, warehouse).quantity, _level(mug, warehouse).reserved) == (3, 3)


def test_a_transfer_cannot_take_reserved_units(viewer_client, admin_client, shelve, mug, warehouse, other_warehouse):
    shelve(mug, warehouse, 3)
    _pending(viewer_client, warehouse, (mug, 2))
    transfer = admin_client.post(
        "/api/transfers/",
        {
            "source_warehouse": warehouse.pk,
            "destination_warehouse": other_warehouse.pk,
            "items": [{"variant": mug.pk, "quantity": 2}],
        },
        format="json",
    ).json()

    response = admin_client.post(f"/api/transfers/{transfer['id']}/approve/")

    assert response.status_code == 409
    assert response.json()["lines"][0]["available"] == 1


@pytest.mark.parametrize("action", ["reject", "cancel"])
def test_rejecting_or_cancelling_releases_the_reservation(viewer_client, staff_client, shelve, mug, warehouse, action):
    shelve(mug, warehouse, 3)
    order = _pending(viewer_client, warehouse, (mug, 2))

    response = staff_client.post(f"{ORDERS}{order['id']}/{action}/")

    assert response.status_code == 200
    assert response.json()["reservation_status"] == "none"
    assert _level(mug, warehouse).reserved == 0


def test_an_adjustment_may_take_reserved_units_and_shrinks_the_newest_reservation(
    viewer_client, staff_client, shelve, mug, warehouse
):
    shelve(mug, warehouse, 4)
    older = _pending(viewer_client, warehouse, (mug, 2))
    newer = _pending(viewer_client, warehouse, (mug, 2))

    response = staff_client.post(
        ADJUSTMENTS, {"variant": mug.pk, "warehouse": warehouse.pk, "quantity": -3, "note": "Broken"}, format="json"
    )

    assert response.status_code == 201
    reserved = {o["id"]: viewer_client.get(f"{ORDERS}{o['id']}/").json() for o in (older, newer)}
    assert reserved[older["id"]]["reservation_status"] == "partial"  # 1 of 2 left
    assert reserved[newer["id"]]["reservation_status"] == "none"
    assert (_level(mug, warehouse).quantity, _level(mug, warehouse).reserved) == (1, 1)


def test_a_count_below_reserved_shrinks_to_the_count(viewer_client, staff_client, shelve, mug, warehouse):
    shelve(mug, warehouse, 4)
    _pending(viewer_client, warehouse, (mug, 4))

    response = staff_client.post(
        ADJUSTMENTS, {"variant": mug.pk, "warehouse": warehouse.pk, "counted_quantity": 1}, format="json"
    )

    assert response.status_code == 201
    assert (_level(mug, warehouse).quantity, _level(mug, warehouse).reserved) == (1, 1)


def test_incoming_stock_tops_up_short_orders_oldest_first(viewer_client, staff_client, shelve, mug, warehouse):
    older = _pending(viewer_client, warehouse, (mug, 3))
    newer = _pending(viewer_client, warehouse, (mug, 3))

    staff_client.post(ADJUSTMENTS, {"variant": mug.pk, "warehouse": warehouse.pk, "quantity": 4}, format="json")

    items = {o["id"]: viewer_client.get(f"{ORDERS}{o['id']}/").json()["items"][0] for o in (older, newer)}
    assert (items[older["id"]]["quantity_reserved"], items[newer["id"]]["quantity_reserved"]) == (3, 1)
    assert _level(mug, warehouse).reserved == 4


@pytest.mark.parametrize("role", ["admin", "manager", "staff"])
def test_reserve_tops_up_one_pending_order_now(client_for, request, viewer_client, shelve, mug, warehouse, role):
    order = _pending(viewer_client, warehouse, (mug, 2))
    shelve(mug, warehouse, 2)  # tops it up already (incoming stock)
    other = _pending(viewer_client, warehouse, (mug, 2))
    viewer_client.post(f"{ORDERS}{order['id']}/cancel/")  # frees 2, which top up nobody

    response = client_for(request.getfixturevalue(role)).post(f"{ORDERS}{other['id']}/reserve/")

    assert response.status_code == 200
    assert response.json()["reservation_status"] == "reserved"
    assert response.json()["items"][0]["quantity_reserved"] == 2


def test_a_viewer_cannot_reserve(viewer_client, mug, warehouse):
    order = _pending(viewer_client, warehouse, (mug, 2))

    response = viewer_client.post(f"{ORDERS}{order['id']}/reserve/")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_staff_of_another_warehouse_cannot_reserve(client_for, viewer_client, org, mug, warehouse, other_warehouse):
    from tests.users.factories import UserFactory

    outsider = UserFactory(organization=org, role="staff")
    outsider.warehouses.set([other_warehouse])
    order = _pending(viewer_client, warehouse, (mug, 2))

    assert client_for(outsider).post(f"{ORDERS}{order['id']}/reserve/").status_code == 403


def test_another_organizations_order_is_404_on_reserve(client_for, other_admin, viewer_client, mug, warehouse):
    order = _pending(viewer_client, warehouse, (mug, 2))

    response = client_for(other_admin).post(f"{ORDERS}{order['id']}/reserve/")

    assert response.status_code == 404


def test_reserving_a_non_pending_order_is_409_invalid_transition(viewer_client, staff_client, shelve, mug, warehouse):
    shelve(mug, warehouse, 2)
    order = _pending(viewer_client, warehouse, (mug, 2))
    staff_client.post(f"{ORDERS}{order['id']}/fulfill/")

    response = staff_client.post(f"{ORDERS}{order['id']}/reserve/")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_status"] == "fulfilled"


def test_the_dashboard_shows_reserved_and_available_totals(viewer_client, admin_client, shelve, mug, warehouse):
    shelve(mug, warehouse, 5)
    _pending(viewer_client, warehouse, (mug, 2))

    stock = admin_client.get("/api/dashboard/").json()["stock"]

    assert stock == {"total_stock": 5, "total_reserved": 2, "total_available": 3}


def test_reservations_write_no_movement(viewer_client, shelve, mug, warehouse):
    shelve(mug, warehouse, 5)
    from stock.models import StockMovement

    before = StockMovement.objects.count()
    _pending(viewer_client, warehouse, (mug, 2))

    assert StockMovement.objects.count() == before


def test_order_reads_keep_their_query_count_whatever_the_number_of_reserved_lines(
    viewer_client, shelve, org, warehouse, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.catalog.factories import VariantFactory

    counts = []
    for size in (1, 10):
        variants = [VariantFactory(organization=org) for _ in range(size)]
        for variant in variants:
            shelve(variant, warehouse, 2)
        order = _pending(viewer_client, warehouse, *[(v, 1) for v in variants])
        with CaptureQueriesContext(connection) as captured:
            viewer_client.get(f"{ORDERS}{order['id']}/")
        counts.append(len(captured))

    assert counts[0] == counts[1]
