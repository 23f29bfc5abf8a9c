"""`/api/stock-adjustments/`: signed changes and physical counts, roles, and bad input that writes nothing."""

import pytest
from rest_framework import serializers

from catalog.models import Product
from stock.models import StockAdjustment, StockLevel, StockMovement
from stock.selectors import stock_adjustment_list
from stock.serializers import StockAdjustmentSerializer
from tests.catalog.factories import VariantFactory
from tests.stock.helpers import on_hand, put_stock
from tests.stock.invariants import assert_ledger_consistent

pytestmark = pytest.mark.django_db

URL = "/api/stock-adjustments/"


def _nothing_written():
    return not StockAdjustment.objects.exists() and not StockMovement.objects.exists()


def test_an_opening_adjustment_by_sku_puts_stock_in_and_answers_with_its_movement(
    admin_client, admin, variant, warehouse
):
    response = admin_client.post(
        URL, {"sku": "TEA-GREEN", "warehouse": warehouse.pk, "quantity": 40, "reason": "opening", "note": "Go live"}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    adjustment = StockAdjustment.objects.get()
    movement = StockMovement.objects.get()
    assert body["id"] == adjustment.pk
    assert (body["variant"], body["warehouse"], body["quantity"], body["reason"], body["note"]) == (
        variant.pk,
        warehouse.pk,
        40,
        "opening",
        "Go live",
    )
    assert body["movement"]["id"] == movement.pk
    assert body["movement"]["reference"] == {"type": "adjustment", "id": adjustment.pk}
    assert (body["movement"]["movement_type"], body["movement"]["quantity"], body["movement"]["balance_after"]) == (
        "IN",
        40,
        40,
    )
    assert body["movement"]["reason"] == "opening"
    assert body["performed_by"] == {"id": admin.pk, "username": "admin"}
    assert body["created_at"]
    assert adjustment.movement == movement
    assert on_hand(variant, warehouse) == 40


def test_a_negative_adjustment_takes_stock_out(staff_client, variant, warehouse):
    put_stock(variant, warehouse, 10)

    response = staff_client.post(URL, {"variant": variant.pk, "warehouse": warehouse.pk, "quantity": -3})

    assert response.status_code == 201
    assert response.json()["reason"] == "adjustment"
    assert (response.json()["movement"]["movement_type"], response.json()["movement"]["quantity"]) == ("OUT", 3)
    assert on_hand(variant, warehouse) == 7
    assert_ledger_consistent()


def test_taking_out_more_than_on_hand_is_409_with_the_short_line_and_writes_nothing(
    manager_client, variant, warehouse
):
    put_stock(variant, warehouse, 2)

    response = manager_client.post(URL, {"variant": variant.pk, "warehouse": warehouse.pk, "quantity": -3})

    assert response.status_code == 409
    body = response.json()
    assert (body["status"], body["code"]) == (409, "insufficient_stock")
    assert body["lines"] == [
        {"variant": variant.pk, "sku": "TEA-GREEN", "warehouse": warehouse.pk, "requested": 3, "available": 2}
    ]
    assert not StockAdjustment.objects.exists()
    assert StockMovement.objects.count() == 1
    assert on_hand(variant, warehouse) == 2


def test_a_count_below_the_books_records_the_difference(admin_client, variant, warehouse):
    put_stock(variant, warehouse, 10)

    response = admin_client.post(URL, {"variant": variant.pk, "warehouse": warehouse.pk, "counted_quantity": 8})

    assert response.status_code == 201
    body = response.json()
    assert (body["quantity"], body["counted_quantity"]) == (-2, 8)
    assert (body["movement"]["movement_type"], body["movement"]["quantity"], body["movement"]["balance_after"]) == (
        "OUT",
        2,
        8,
    )
    assert on_hand(variant, warehouse) == 8


def test_a_count_equal_to_the_books_is_recorded_without_a_movement(admin_client, variant, warehouse):
    put_stock(variant, warehouse, 10)

    response = admin_client.post(URL, {"variant": variant.pk, "warehouse": warehouse.pk, "counted_quantity": 10})

    assert response.status_code == 201
    assert (response.json()["quantity"], response.json()["movement"]) == (0, None)
    assert StockAdjustment.objects.count() == 1
    assert StockMovement.objects.count() == 1


def test_a_count_of_a_never_stocked_variant_opens_its_level(admin_client, variant, other_warehouse):
    response = admin_client.post(
        URL, {"variant": variant.pk, "warehouse": other_warehouse.pk, "counted_quantity": 3, "reason": "opening"}
    )

    assert response.status_code == 201
    assert on_hand(variant, other_warehouse) == 3


def test_adjustments_are_listed_newest_first(viewer_client, admin_client, variant, warehouse):
    for quantity in (5, -2):
        admin_client.post(URL, {"variant": variant.pk, "warehouse": warehouse.pk, "quantity": quantity})

    response = viewer_client.get(URL)

    assert response.status_code == 200
    assert [row["quantity"] for row in response.json()["results"]] == [-2, 5]
    assert response.json()["count"] == 2


@pytest.mark.parametrize(
    ("who", "own", "expected"),
    [
        ("admin", False, 201),
        ("manager", True, 201),
        ("manager", False, 403),
        ("staff", True, 201),
        ("staff", False, 403),
        ("viewer", True, 403),
    ],
)
def test_who_may_adjust_which_warehouse(request, client_for, variant, warehouse, other_warehouse, who, own, expected):
    target = warehouse if own else other_warehouse
    client = client_for(request.getfixturevalue(who))

    response = client.post(URL, {"variant": variant.pk, "warehouse": target.pk, "quantity": 1})

    assert response.status_code == expected, response.content
    assert on_hand(variant, target) == (1 if expected == 201 else 0)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": 1_000_001}, "quantity"),
        ({"quantity": -1_000_001}, "quantity"),
        ({"quantity": 99_999_999_999_999_999_999}, "quantity"),
        ({"quantity": 2.5}, "quantity"),
        ({"quantity": "ten"}, "quantity"),
        ({"counted_quantity": -1}, "counted_quantity"),
        ({"counted_quantity": 10**12}, "counted_quantity"),
        ({}, "quantity"),  # neither quantity nor counted_quantity
        ({"quantity": 1, "counted_quantity": 1}, "quantity"),  # both
        ({"quantity": -1, "reason": "opening"}, "quantity"),
        ({"quantity": 1, "reason": "sale"}, "reason"),  # only opening or adjustment here
        ({"quantity": 1, "warehouse": None}, "warehouse"),
        ({"quantity": 1, "warehouse": 999_999}, "warehouse"),
        ({"quantity": 1, "variant": None, "sku": "NOPE"}, "sku"),
        ({"quantity": 1, "variant": None}, "variant"),  # neither variant nor sku
        ({"quantity": 1, "sku": "TEA-GREEN"}, "sku"),  # both variant and sku
    ],
)
def test_bad_input_is_400_with_the_field_named_and_writes_nothing(admin_client, variant, warehouse, payload, field):
    body = {"variant": variant.pk, "warehouse": warehouse.pk, **payload}
    body = {key: value for key, value in body.items() if value is not None}

    response = admin_client.post(URL, body)

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["errors"], response.json()
    assert _nothing_written()


def test_a_variant_of_another_organization_is_400(admin_client, foreign_variant, warehouse):
    response = admin_client.post(URL, {"variant": foreign_variant.pk, "warehouse": warehouse.pk, "quantity": 1})

    assert response.status_code == 400
    assert "variant" in response.json()["errors"]
    assert _nothing_written()


def test_a_sku_of_another_organization_is_not_found(admin_client, foreign_variant, warehouse):
    response = admin_client.post(URL, {"sku": foreign_variant.sku, "warehouse": warehouse.pk, "quantity": 1})

    assert response.status_code == 400
    assert "sku" in response.json()["errors"]
    assert _nothing_written()


def test_a_warehouse_of_another_organization_is_400(admin_client, variant, foreign_warehouse):
    response = admin_client.post(URL, {"variant": variant.pk, "warehouse": foreign_warehouse.pk, "quantity": 1})

    assert response.status_code == 400
    assert "warehouse" in response.json()["errors"]
    assert _nothing_written()
    assert not StockLevel.objects.exists()


def test_an_adjustment_is_shown_as_its_declared_fields_would_show_it(admin_client, org, variant, warehouse):
    # StockAdjustmentSerializer writes its dict by hand; DRF's field-by-field output is the reference.
    put_stock(variant, warehouse, 5)
    created = admin_client.post(URL, {"variant": variant.pk, "warehouse": warehouse.pk, "quantity": -2, "note": "x"})
    admin_client.post(URL, {"variant": variant.pk, "warehouse": warehouse.pk, "counted_quantity": 3})  # no movement

    adjustments = list(stock_adjustment_list(organization_id=org.pk).order_by("id"))

    assert [adjustment.movement is None for adjustment in adjustments] == [False, True]
    for adjustment in adjustments:
        serializer = StockAdjustmentSerializer(adjustment)
        assert serializer.data == serializers.ModelSerializer.to_representation(serializer, adjustment)
    assert created.json() == dict(StockAdjustmentSerializer(adjustments[0]).data)


def test_adjustment_list_runs_the_same_queries_for_5_and_100_rows(viewer_client, admin, org, warehouse):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from stock.services import stock_adjustment_create

    for _ in range(100):
        stock_adjustment_create(by=admin, variant=VariantFactory(organization=org), warehouse=warehouse, quantity=2)

    counts = []
    for size in (5, 100):
        with CaptureQueriesContext(connection) as captured:
            response = viewer_client.get(URL, {"page_size": size})
        assert len(response.json()["results"]) == size
        counts.append(len(captured))

    assert counts[0] == counts[1]


def _statements_of_an_adjustment(client, variant, warehouse, quantity):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, {"variant": variant.pk, "warehouse": warehouse.pk, "quantity": quantity})
    assert response.status_code == 201, response.content
    return [query["sql"] for query in queries if "SAVEPOINT" not in query["sql"]]


@pytest.mark.postgres
def test_an_adjustment_of_a_stocked_pair_sends_five_statements_with_one_read(admin_client, variant, warehouse):
    put_stock(variant, warehouse, 10)
    _statements_of_an_adjustment(admin_client, variant, warehouse, -1)  # the first one compiles its statements

    taken = _statements_of_an_adjustment(admin_client, variant, warehouse, -2)
    given = _statements_of_an_adjustment(admin_client, variant, warehouse, 3)

    assert [sql.split()[0] for sql in taken] == ["SELECT", "INSERT", "WITH", "WITH", "UPDATE"]
    # One read: the level with its variant, product and warehouse, which vouches for both ids.
    assert all(table in taken[0] for table in ("stock_stocklevel", "catalog_variant", "warehouses_warehouse"))
    # The level and its product's total in one statement; the movement and its day's tally in one more.
    assert "stock_stocklevel" in taken[2] and "catalog_product" in taken[2]
    assert "stock_movementday" in taken[3] and "stock_stockmovement" in taken[3]
    # Stock coming in also asks for short reservations to top up.
    assert len(given) == 6 and "stock_stockreservation" in given[3]
    assert on_hand(variant, warehouse) == 10
    assert Product.objects.get(pk=variant.product_id).stock_quantity == 10
    assert_ledger_consistent()


def test_an_adjustment_of_a_pair_never_stocked_reads_its_variant_and_warehouse_each(
    admin_client, variant, other_warehouse
):
    first = _statements_of_an_adjustment(admin_client, variant, other_warehouse, 4)

    assert "catalog_variant" in first[1] and "warehouses_warehouse" in first[2]  # no level yet: one read each
    assert on_hand(variant, other_warehouse) == 4
    assert_ledger_consistent()
