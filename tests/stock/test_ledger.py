"""The ledger service (`stock_apply` and friends) against a real database, one process."""

from decimal import Decimal

import pytest

from stock.exceptions import InsufficientStock, StockLimitExceeded
from stock.models import MovementType, Reason, StockLevel, StockMovement
from stock.services import (
    MAX_STOCK_QUANTITY,
    Reference,
    StockChange,
    stock_add,
    stock_apply,
    stock_remove,
    stock_set_counted,
)
from tests.stock.helpers import on_hand, put_stock
from tests.stock.invariants import assert_ledger_consistent, ledger_problems

pytestmark = pytest.mark.django_db


def test_adding_to_a_new_pair_creates_its_level_and_one_movement_with_the_balance(org, variant, warehouse, admin):
    [movement] = stock_add(
        organization_id=org.pk,
        changes=[StockChange(variant.pk, warehouse.pk, 7)],
        reason=Reason.OPENING,
        by=admin,
        reference=Reference("adjustment", 3),
        note="first count",
    )

    assert on_hand(variant, warehouse) == 7
    assert (movement.movement_type, movement.quantity, movement.balance_after) == (MovementType.IN, 7, 7)
    assert (movement.reference_type, movement.reference_id) == ("adjustment", 3)
    assert (movement.performed_by, movement.note, movement.reason) == (admin, "first count", Reason.OPENING)
    assert_ledger_consistent(org)


def test_movements_record_the_running_balance_in_line_order(org, variant, warehouse):
    put_stock(variant, warehouse, 10)

    movements = stock_apply(
        organization_id=org.pk,
        changes=[StockChange(variant.pk, warehouse.pk, -4), StockChange(variant.pk, warehouse.pk, 2)],
        reason=Reason.ADJUSTMENT,
    )

    assert [(m.movement_type, m.quantity, m.balance_after) for m in movements] == [("OUT", 4, 6), ("IN", 2, 8)]
    assert on_hand(variant, warehouse) == 8
    assert_ledger_consistent(org)


def test_removing_more_than_on_hand_raises_and_changes_nothing(org, variant, warehouse):
    put_stock(variant, warehouse, 3)

    with pytest.raises(InsufficientStock) as raised:
        stock_remove(organization_id=org.pk, changes=[StockChange(variant.pk, warehouse.pk, 4)], reason=Reason.SALE)

    assert raised.value.lines == [
        {"variant": variant.pk, "sku": "TEA-GREEN", "warehouse": warehouse.pk, "requested": 4, "available": 3}
    ]
    assert on_hand(variant, warehouse) == 3
    assert StockMovement.objects.count() == 1


def test_one_short_line_among_several_writes_no_line_and_names_every_short_line(
    org, variant, variant_b, warehouse, other_warehouse
):
    put_stock(variant, warehouse, 5)
    put_stock(variant_b, warehouse, 1)

    with pytest.raises(InsufficientStock) as raised:
        stock_remove(
            organization_id=org.pk,
            changes=[
                StockChange(variant.pk, warehouse.pk, 2),  # fine
                StockChange(variant_b.pk, warehouse.pk, 3),  # short by 2
                StockChange(variant.pk, other_warehouse.pk, 1),  # nothing there at all
            ],
            reason=Reason.SALE,
        )

    short = {(line["sku"], line["warehouse"]): line for line in raised.value.lines}
    assert set(short) == {("TEA-BLACK", warehouse.pk), ("TEA-GREEN", other_warehouse.pk)}
    assert short[("TEA-BLACK", warehouse.pk)]["available"] == 1
    assert (on_hand(variant, warehouse), on_hand(variant_b, warehouse)) == (5, 1)
    assert StockMovement.objects.count() == 2
    assert_ledger_consistent(org)


def test_the_same_variant_on_two_lines_is_checked_against_their_total(org, variant, warehouse):
    put_stock(variant, warehouse, 5)

    with pytest.raises(InsufficientStock) as raised:
        stock_remove(
            organization_id=org.pk,
            changes=[StockChange(variant.pk, warehouse.pk, 3), StockChange(variant.pk, warehouse.pk, 3)],
            reason=Reason.SALE,
        )

    assert raised.value.lines[0]["requested"] == 6
    assert on_hand(variant, warehouse) == 5


def test_the_same_variant_on_two_lines_within_stock_writes_one_movement_each(org, variant, warehouse):
    put_stock(variant, warehouse, 5)

    movements = stock_remove(
        organization_id=org.pk,
        changes=[StockChange(variant.pk, warehouse.pk, 3), StockChange(variant.pk, warehouse.pk, 2)],
        reason=Reason.SALE,
    )

    assert [m.balance_after for m in movements] == [2, 0]
    assert on_hand(variant, warehouse) == 0
    assert_ledger_consistent(org)


@pytest.mark.parametrize("quantity", [0, 1.5, "3", True, None, MAX_STOCK_QUANTITY + 1, -(MAX_STOCK_QUANTITY + 1)])
def test_a_malformed_change_is_refused_before_anything_is_written(org, variant, warehouse, quantity):
    with pytest.raises(ValueError):
        stock_apply(
            organization_id=org.pk, changes=[StockChange(variant.pk, warehouse.pk, quantity)], reason=Reason.ADJUSTMENT
        )

    assert not StockLevel.objects.exists()
    assert not StockMovement.objects.exists()


def test_stock_add_refuses_a_negative_quantity_that_would_reverse_the_flow(org, variant, warehouse):
    put_stock(variant, warehouse, 5)

    with pytest.raises(ValueError):
        stock_add(organization_id=org.pk, changes=[StockChange(variant.pk, warehouse.pk, -5)], reason=Reason.PURCHASE)

    assert on_hand(variant, warehouse) == 5


def test_stock_remove_refuses_a_negative_quantity_that_would_add_stock(org, variant, warehouse):
    with pytest.raises(ValueError):
        stock_remove(organization_id=org.pk, changes=[StockChange(variant.pk, warehouse.pk, -5)], reason=Reason.SALE)

    assert on_hand(variant, warehouse) == 0


def test_a_variant_of_another_organization_is_refused(org, foreign_variant, warehouse):
    with pytest.raises(ValueError):
        stock_add(organization_id=org.pk, changes=[StockChange(foreign_variant.pk, warehouse.pk, 1)], reason="opening")

    assert not StockLevel.objects.exists()


def test_a_warehouse_of_another_organization_is_refused(org, variant, foreign_warehouse):
    with pytest.raises(ValueError):
        stock_add(organization_id=org.pk, changes=[StockChange(variant.pk, foreign_warehouse.pk, 1)], reason="opening")

    assert not StockLevel.objects.exists()


def test_a_level_cannot_grow_past_the_column_range(org, variant, warehouse):
    put_stock(variant, warehouse, MAX_STOCK_QUANTITY)

    with pytest.raises(StockLimitExceeded):
        put_stock(variant, warehouse, 1)

    assert on_hand(variant, warehouse) == MAX_STOCK_QUANTITY


def test_a_movement_without_a_unit_cost_takes_the_variants_current_cost(org, variant, warehouse):
    variant.cost = Decimal("4.25")
    variant.save()

    default = put_stock(variant, warehouse, 2)
    [explicit] = stock_add(
        organization_id=org.pk,
        changes=[StockChange(variant.pk, warehouse.pk, 1, unit_cost=Decimal("9.10"))],
        reason=Reason.PURCHASE,
    )

    assert (default.unit_cost, explicit.unit_cost) == (Decimal("4.25"), Decimal("9.10"))


def test_a_count_below_the_books_writes_the_difference_as_an_out_movement(org, variant, warehouse, admin):
    put_stock(variant, warehouse, 10)

    movement = stock_set_counted(
        organization_id=org.pk, variant_id=variant.pk, warehouse_id=warehouse.pk, counted_quantity=7, by=admin
    )

    assert (movement.movement_type, movement.quantity, movement.balance_after) == ("OUT", 3, 7)
    assert on_hand(variant, warehouse) == 7
    assert_ledger_consistent(org)


def test_a_count_above_the_books_writes_an_in_movement_and_creates_a_missing_level(org, variant, warehouse):
    movement = stock_set_counted(
        organization_id=org.pk, variant_id=variant.pk, warehouse_id=warehouse.pk, counted_quantity=4
    )

    assert (movement.movement_type, movement.quantity, movement.balance_after) == ("IN", 4, 4)
    assert_ledger_consistent(org)


def test_a_count_that_matches_the_books_writes_no_movement(org, variant, warehouse):
    put_stock(variant, warehouse, 6)

    movement = stock_set_counted(
        organization_id=org.pk, variant_id=variant.pk, warehouse_id=warehouse.pk, counted_quantity=6
    )

    assert movement is None
    assert StockMovement.objects.count() == 1


def test_a_negative_count_is_refused(org, variant, warehouse):
    with pytest.raises(ValueError):
        stock_set_counted(
            organization_id=org.pk, variant_id=variant.pk, warehouse_id=warehouse.pk, counted_quantity=-1
        )


def test_the_database_refuses_a_negative_level_even_behind_the_ledgers_back(org, variant, warehouse):
    from django.db import IntegrityError, transaction

    put_stock(variant, warehouse, 1)

    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(variant=variant).update(quantity=-1)


def test_the_invariant_check_notices_a_level_changed_behind_the_ledgers_back(org, variant, warehouse):
    put_stock(variant, warehouse, 4)

    StockLevel.objects.filter(variant=variant).update(quantity=5)

    assert ledger_problems(org) == [
        f"level {StockLevel.objects.get().pk} ({variant.pk}, {warehouse.pk}) holds 5, its movements add up to 4",
        f"product {variant.product_id} records stock_quantity 4, its levels add up to 5",
    ]
