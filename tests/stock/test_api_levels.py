"""`/api/stock-levels/`: what clients read, the reorder-level override, and that nothing there writes stock."""

import pytest

from stock.models import StockLevel
from tests.catalog.factories import VariantFactory
from tests.stock.helpers import on_hand, put_stock

pytestmark = pytest.mark.django_db

LEVELS = "/api/stock-levels/"


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
