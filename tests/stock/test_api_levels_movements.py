"""`/api/stock-levels/` and `/api/stock-movements/`: what clients read, and that nothing there writes stock."""

import json
from base64 import b64decode, b64encode
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from stock.models import Reason, StockLevel, StockMovement
from stock.selectors import stock_movement_list
from stock.serializers import StockMovementSerializer
from stock.services import Reference, StockChange, stock_add, stock_remove
from tests.catalog.factories import VariantFactory
from tests.stock.helpers import on_hand, put_stock
from tests.warehouses.factories import WarehouseFactory

pytestmark = pytest.mark.django_db

LEVELS = "/api/stock-levels/"
MOVEMENTS = "/api/stock-movements/"


def _level(variant, warehouse):
    return StockLevel.objects.get(variant=variant, warehouse=warehouse)


# --- Levels ---------------------------------------------------------------------------------------------------------


def test_a_level_lists_with_names_effective_reorder_level_and_low_flag(viewer_client, variant, warehouse):
    put_stock(variant, warehouse, 5)  # variant.reorder_level is 5: 5 <= 5 is low

    response = viewer_client.get(LEVELS)

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row == {
        "id": _level(variant, warehouse).pk,
        "variant": variant.pk,
        "sku": "TEA-GREEN",
        "product": variant.product_id,
        "product_name": "Green tea",
        "warehouse": warehouse.pk,
        "warehouse_name": "Main",
        "quantity": 5,
        "reserved": 0,
        "available": 5,
        "reorder_level": 5,
        "reorder_level_override": None,
        "is_low_stock": True,
        "updated_at": row["updated_at"],
    }


def test_the_override_replaces_the_variants_reorder_level(admin_client, variant, warehouse):
    put_stock(variant, warehouse, 5)
    level = _level(variant, warehouse)

    response = admin_client.patch(f"{LEVELS}{level.pk}/", {"reorder_level_override": 2})

    assert response.status_code == 200
    body = response.json()
    assert (body["reorder_level_override"], body["reorder_level"], body["is_low_stock"]) == (2, 2, False)
    assert _level(variant, warehouse).reorder_level_override == 2


def test_low_stock_filter_keeps_only_levels_at_or_below_their_reorder_level(
    viewer_client, variant, variant_b, warehouse
):
    put_stock(variant, warehouse, 3)  # reorder 5: low
    put_stock(variant_b, warehouse, 3)  # reorder 0: not low

    low = viewer_client.get(LEVELS, {"low_stock": "true"}).json()["results"]
    not_low = viewer_client.get(LEVELS, {"low_stock": "false"}).json()["results"]

    assert [row["sku"] for row in low] == ["TEA-GREEN"]
    assert [row["sku"] for row in not_low] == ["TEA-BLACK"]


def test_levels_filter_by_warehouse_variant_and_product(viewer_client, variant, variant_b, warehouse, other_warehouse):
    put_stock(variant, warehouse, 1)
    put_stock(variant, other_warehouse, 1)
    put_stock(variant_b, warehouse, 1)

    def skus_at(**params):
        rows = viewer_client.get(LEVELS, params).json()["results"]
        return sorted((row["sku"], row["warehouse_name"]) for row in rows)

    assert skus_at(warehouse=other_warehouse.pk) == [("TEA-GREEN", "Annex")]
    assert skus_at(variant=variant_b.pk) == [("TEA-BLACK", "Main")]
    assert skus_at(product=variant.product_id) == [("TEA-GREEN", "Annex"), ("TEA-GREEN", "Main")]


def test_patch_cannot_change_a_quantity(admin_client, variant, warehouse):
    put_stock(variant, warehouse, 5)
    level = _level(variant, warehouse)

    response = admin_client.patch(f"{LEVELS}{level.pk}/", {"quantity": 500, "reorder_level_override": 1})

    assert response.status_code == 200
    assert response.json()["quantity"] == 5
    assert on_hand(variant, warehouse) == 5


def test_setting_the_override_keeps_a_quantity_changed_since_the_level_was_read(admin, variant, warehouse):
    from stock.services import stock_level_update

    put_stock(variant, warehouse, 5)
    stale = _level(variant, warehouse)
    put_stock(variant, warehouse, 3)  # committed after `stale` was read

    stock_level_update(level=stale, by=admin, reorder_level_override=9)

    assert (on_hand(variant, warehouse), _level(variant, warehouse).reorder_level_override) == (8, 9)


@pytest.mark.parametrize("value", [-1, "many", 10_000_000_000])
def test_a_bad_override_is_400_with_the_field_named(admin_client, variant, warehouse, value):
    put_stock(variant, warehouse, 5)

    response = admin_client.patch(f"{LEVELS}{_level(variant, warehouse).pk}/", {"reorder_level_override": value})

    assert response.status_code == 400
    assert "reorder_level_override" in response.json()["errors"]


def test_the_override_can_be_cleared_with_null(admin_client, variant, warehouse):
    put_stock(variant, warehouse, 5)
    StockLevel.objects.filter(variant=variant).update(reorder_level_override=1, reorder_level=1)

    response = admin_client.patch(f"{LEVELS}{_level(variant, warehouse).pk}/", {"reorder_level_override": None})

    assert (response.status_code, response.json()["reorder_level"]) == (200, 5)


@pytest.mark.parametrize(
    ("who", "own", "expected"),
    [
        ("manager", True, 200),
        ("manager", False, 403),
        ("staff", True, 403),
        ("viewer", True, 403),
    ],
)
def test_who_may_set_the_override(request, client_for, variant, warehouse, other_warehouse, who, own, expected):
    target = warehouse if own else other_warehouse
    put_stock(variant, target, 5)
    user = request.getfixturevalue(who)

    response = client_for(user).patch(f"{LEVELS}{_level(variant, target).pk}/", {"reorder_level_override": 1})

    assert response.status_code == expected
    assert _level(variant, target).reorder_level_override == (1 if expected == 200 else None)


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_levels_cannot_be_created_replaced_or_deleted(admin_client, variant, warehouse, method):
    put_stock(variant, warehouse, 5)
    url = LEVELS if method == "post" else f"{LEVELS}{_level(variant, warehouse).pk}/"

    response = getattr(admin_client, method)(url, {"variant": variant.pk, "warehouse": warehouse.pk, "quantity": 9})

    assert response.status_code == 405
    assert on_hand(variant, warehouse) == 5


def test_level_list_runs_the_same_queries_for_5_and_100_rows(viewer_client, org, warehouse, django_assert_num_queries):
    for _ in range(100):
        put_stock(VariantFactory(organization=org), warehouse, 1)

    counts = []
    for size in (5, 100):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            response = viewer_client.get(LEVELS, {"page_size": size})
        assert len(response.json()["results"]) == size
        counts.append(len(captured))

    assert counts[0] == counts[1] <= 3


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


# Three timestamps, one with no microseconds (str() of it has no fraction) and two with; 15 movements each, given
# round-robin so that id order and time order disagree: only (-created_at, -id) puts them in the expected order.
SHARED_STAMPS = (
    datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC),
    datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC),
    datetime(2025, 3, 2, 8, 30, 1, 5, tzinfo=UTC),
)


def _ledger_with_shared_timestamps(variant, warehouse, count=45) -> list[int]:
    """`count` movements sharing the three SHARED_STAMPS; their ids newest first, (-created_at, -id)."""
    ids = [put_stock(variant, warehouse, 1).pk for _ in range(count)]
    for index, stamp in enumerate(SHARED_STAMPS):
        StockMovement.objects.filter(pk__in=ids[index::3]).update(created_at=stamp)
    return sorted(ids, key=lambda pk: (SHARED_STAMPS[ids.index(pk) % 3], pk), reverse=True)


def _pages(client, url, link: str) -> list[list[int]]:
    """The ids of every page from `url` on, following `link` ("next" or "previous") until there is none."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append([row["id"] for row in body["results"]])
        url = body[link]
    return pages


def _cursor(link: str) -> dict[str, list[str]]:
    return parse_qs(b64decode(parse_qs(urlsplit(link).query)["cursor"][0]).decode())


@pytest.mark.parametrize("filtered", [False, True], ids=["all", "warehouse-and-created_before"])
def test_movements_sharing_timestamps_page_each_exactly_once_forwards_and_backwards(
    viewer_client, variant, warehouse, other_warehouse, filtered
):
    expected = _ledger_with_shared_timestamps(variant, warehouse)
    put_stock(variant, other_warehouse, 1)  # newer, and filtered out by both filters
    params = f"&warehouse={warehouse.pk}&created_before=2025-03-02" if filtered else ""
    if not filtered:
        expected = [StockMovement.objects.get(warehouse=other_warehouse).pk, *expected]

    forwards = _pages(viewer_client, f"{MOVEMENTS}?page_size=10{params}", "next")
    last = viewer_client.get(f"{MOVEMENTS}?page_size=10{params}")
    for _ in forwards[1:]:
        last = viewer_client.get(last.json()["next"])
    backwards = _pages(viewer_client, last.json()["previous"], "previous")

    assert [pk for page in forwards for pk in page] == expected
    assert all(len(page) == 10 for page in forwards[:-1])
    assert [pk for page in [*reversed(backwards), forwards[-1]] for pk in page] == expected
    assert [*reversed(backwards), forwards[-1]] == forwards  # each previous link gives back the same page


def test_a_previous_link_from_the_middle_of_a_run_of_equal_timestamps_gives_the_page_before(
    viewer_client, variant, warehouse
):
    expected = _ledger_with_shared_timestamps(variant, warehouse)
    first = viewer_client.get(MOVEMENTS, {"page_size": 7}).json()
    second = viewer_client.get(first["next"]).json()
    third = viewer_client.get(second["next"]).json()

    back_to_second = viewer_client.get(third["previous"]).json()
    back_to_first = viewer_client.get(back_to_second["previous"]).json()

    assert [row["id"] for row in third["results"]] == expected[14:21]
    assert back_to_second["results"] == second["results"]
    assert back_to_first["results"] == first["results"]
    assert back_to_first["previous"] is None
    assert viewer_client.get(back_to_first["next"]).json()["results"] == second["results"]


def test_the_cursor_holds_the_last_rows_timestamp_to_the_microsecond_and_its_id(viewer_client, variant, warehouse):
    expected = _ledger_with_shared_timestamps(variant, warehouse, count=6)  # two at each timestamp

    pages = [viewer_client.get(MOVEMENTS, {"page_size": 1}).json()]
    while pages[-1]["next"]:
        pages.append(viewer_client.get(pages[-1]["next"]).json())

    assert [page["results"][0]["id"] for page in pages] == expected
    positions = [(_cursor(page["next"])["p"][0], int(_cursor(page["next"])["i"][0])) for page in pages[:-1]]
    assert positions == [
        ("2025-03-02T08:30:01.000005+00:00", expected[0]),
        ("2025-03-02T08:30:01.000005+00:00", expected[1]),
        ("2025-03-01T12:00:00.123456+00:00", expected[2]),
        ("2025-03-01T12:00:00.123456+00:00", expected[3]),
        ("2025-03-01T12:00:00+00:00", expected[4]),
    ]
    assert [page["results"][0]["created_at"] for page in pages[3:5]] == [
        "2025-03-01T12:00:00.123456Z",
        "2025-03-01T12:00:00Z",
    ]


def test_movements_are_listed_by_time_then_id_not_by_id_alone(viewer_client, variant, warehouse):
    older = put_stock(variant, warehouse, 1)
    newer = put_stock(variant, warehouse, 1)
    restamped = put_stock(variant, warehouse, 1)
    StockMovement.objects.filter(pk=restamped.pk).update(created_at=older.created_at - timedelta(seconds=1))

    listed = [row["id"] for row in viewer_client.get(MOVEMENTS).json()["results"]]

    assert listed == [newer.pk, older.pk, restamped.pk]


def test_movements_one_call_writes_at_one_instant_list_in_reverse_balance_order(
    viewer_client, org, variant, warehouse, monkeypatch
):
    instant = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: instant)  # every movement of the call gets the same timestamp
    stock_add(
        organization_id=org.pk,
        changes=[StockChange(variant.pk, warehouse.pk, quantity) for quantity in (1, 2, 3, 4, 5)],
        reason=Reason.ADJUSTMENT,
    )
    monkeypatch.undo()

    pages = _pages(viewer_client, f"{MOVEMENTS}?page_size=2", "next")

    balances = dict(StockMovement.objects.values_list("id", "balance_after"))
    assert len(set(StockMovement.objects.values_list("created_at", flat=True))) == 1
    assert [balances[pk] for page in pages for pk in page] == [15, 10, 6, 3, 1]  # the running balance backwards


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        b64encode(b"p=123").decode(),  # a cursor of the -id ordering this list had before
        b64encode(b"p=2025-03-01T12:00:00&i=5").decode(),  # a naive timestamp
        b64encode(b"p=2025-03-01T12:00:00%2B00:00&i=five").decode(),
        b64encode(b"p=yesterday&i=5").decode(),
    ],
)
def test_a_cursor_that_is_not_one_of_ours_is_404(viewer_client, cursor):
    response = viewer_client.get(MOVEMENTS, {"cursor": cursor})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


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
