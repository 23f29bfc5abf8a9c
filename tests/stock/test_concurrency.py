"""The ledger under real concurrency: threads with their own PostgreSQL connections, released together by a barrier.

Each test runs several rounds: a race that a broken ledger loses only sometimes must still fail the test.
"""

import pytest

from stock.exceptions import InsufficientStock
from stock.models import Reason, StockLevel, StockMovement, Transfer, TransferStatus
from stock.services import StockChange, stock_add, stock_apply
from tests.catalog.factories import VariantFactory
from tests.concurrency import client, run_together, statuses
from tests.stock.helpers import on_hand, put_stock
from tests.stock.invariants import assert_ledger_consistent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 3
ADJUSTMENTS = "/api/stock-adjustments/"
TRANSFERS = "/api/transfers/"


def test_twenty_parallel_one_unit_removals_against_ten_units_sell_exactly_ten(staff, variant, warehouse):
    for round_ in range(ROUNDS):
        put_stock(variant, warehouse, 10)
        body = {"variant": variant.pk, "warehouse": warehouse.pk, "quantity": -1, "note": f"round {round_}"}

        responses = run_together(20, lambda i, body=body: client(staff).post(ADJUSTMENTS, body))

        assert statuses(responses) == {201: 10, 409: 10}, f"round {round_}: {statuses(responses)}"
        assert {r.json()["code"] for r in responses if r.status_code == 409} == {"insufficient_stock"}
        assert on_hand(variant, warehouse) == 0
        assert_ledger_consistent()
    assert StockMovement.objects.filter(movement_type="OUT").count() == 10 * ROUNDS


def test_twenty_pairs_locking_two_levels_in_opposite_line_order_neither_deadlock_nor_lose_stock(
    org, admin, variant, variant_b, warehouse
):
    # Each operation takes one unit of A and puts one of B, or the reverse, listing its lines in opposite order:
    # a ledger that locked in line order would deadlock here.
    put_stock(variant, warehouse, 100)
    put_stock(variant_b, warehouse, 100)
    a, b = variant.pk, variant_b.pk

    def swap(index):
        first, second = (a, b) if index % 2 else (b, a)
        return stock_apply(
            organization_id=org.pk,
            changes=[StockChange(first, warehouse.pk, -1), StockChange(second, warehouse.pk, 1)],
            reason=Reason.ADJUSTMENT,
            by=admin,
        )

    for round_ in range(ROUNDS):
        results = run_together(40, swap)

        errors = [result for result in results if isinstance(result, Exception)]
        assert not errors, f"round {round_}: {errors[:3]}"
    assert on_hand(variant, warehouse) + on_hand(variant_b, warehouse) == 200
    assert on_hand(variant, warehouse) == 100  # as many A→B as B→A
    assert StockMovement.objects.count() == 2 + 40 * 2 * ROUNDS
    assert_ledger_consistent()


def test_twenty_pairs_of_opposite_transfers_through_the_api_neither_deadlock_nor_5xx(
    admin, variant, variant_b, warehouse, other_warehouse
):
    # Transfers lock four levels each; half list their lines (A, B), half (B, A), half go each way.
    for target in (warehouse, other_warehouse):
        put_stock(variant, target, 200)
        put_stock(variant_b, target, 200)
    api = client(admin)
    ids = []
    for index in range(40):
        source, destination = (warehouse, other_warehouse) if index % 2 else (other_warehouse, warehouse)
        lines = [(variant, 1), (variant_b, 2)] if index % 4 < 2 else [(variant_b, 2), (variant, 1)]
        response = api.post(
            TRANSFERS,
            {
                "source_warehouse": source.pk,
                "destination_warehouse": destination.pk,
                "items": [{"variant": v.pk, "quantity": q} for v, q in lines],
            },
        )
        ids.append(response.json()["id"])

    responses = run_together(40, lambda i: client(admin).post(f"{TRANSFERS}{ids[i]}/approve/"))

    assert statuses(responses) == {200: 40}
    assert Transfer.objects.filter(status=TransferStatus.COMPLETED).count() == 40
    assert (on_hand(variant, warehouse), on_hand(variant_b, warehouse)) == (200, 200)
    assert_ledger_consistent()


def test_the_same_transfer_approved_by_five_parallel_requests_moves_stock_once(
    admin, variant, variant_b, warehouse, other_warehouse
):
    put_stock(variant, warehouse, 100)
    put_stock(variant_b, warehouse, 100)
    for round_ in range(ROUNDS):
        transfer = (
            client(admin)
            .post(
                TRANSFERS,
                {
                    "source_warehouse": warehouse.pk,
                    "destination_warehouse": other_warehouse.pk,
                    "items": [{"variant": variant.pk, "quantity": 3}, {"variant": variant_b.pk, "quantity": 1}],
                },
            )
            .json()
        )
        url = f"{TRANSFERS}{transfer['id']}/approve/"

        responses = run_together(5, lambda i, url=url: client(admin).post(url))

        assert statuses(responses) == {200: 1, 409: 4}, f"round {round_}: {statuses(responses)}"
        assert {r.json()["code"] for r in responses if r.status_code == 409} == {"invalid_transition"}
        assert StockMovement.objects.filter(reference_type="transfer", reference_id=transfer["id"]).count() == 4
    assert (on_hand(variant, warehouse), on_hand(variant, other_warehouse)) == (100 - 3 * ROUNDS, 3 * ROUNDS)
    assert (on_hand(variant_b, warehouse), on_hand(variant_b, other_warehouse)) == (100 - ROUNDS, ROUNDS)
    assert_ledger_consistent()


def test_approve_and_cancel_racing_leave_one_outcome(admin, manager, variant, warehouse, other_warehouse):
    put_stock(variant, warehouse, 100)
    calls = [(admin, "approve"), (manager, "cancel"), (admin, "reject"), (admin, "approve")]
    for round_ in range(ROUNDS):
        transfer = (
            client(manager)
            .post(
                TRANSFERS,
                {
                    "source_warehouse": warehouse.pk,
                    "destination_warehouse": other_warehouse.pk,
                    "items": [{"variant": variant.pk, "quantity": 2}],
                },
            )
            .json()
        )

        responses = run_together(
            4, lambda i, tid=transfer["id"]: client(calls[i][0]).post(f"{TRANSFERS}{tid}/{calls[i][1]}/")
        )

        assert statuses(responses) == {200: 1, 409: 3}, f"round {round_}: {statuses(responses)}"
        status = Transfer.objects.get(pk=transfer["id"]).status
        moved = StockMovement.objects.filter(reference_type="transfer", reference_id=transfer["id"]).count()
        assert moved == (2 if status == TransferStatus.COMPLETED else 0)
    assert_ledger_consistent()


def test_the_first_stock_of_a_new_pair_added_in_parallel_creates_one_level(org, warehouse):
    for round_ in range(ROUNDS):
        fresh = VariantFactory(organization=org)

        results = run_together(
            20,
            lambda i, fresh=fresh: stock_add(
                organization_id=org.pk, changes=[StockChange(fresh.pk, warehouse.pk, 1)], reason=Reason.OPENING
            ),
        )

        assert not [r for r in results if isinstance(r, Exception)], f"round {round_}"
        assert StockLevel.objects.filter(variant=fresh).count() == 1
        assert on_hand(fresh, warehouse) == 20
    assert_ledger_consistent()


def test_parallel_multi_line_removals_never_oversell_any_line(org, variant, variant_b, warehouse):
    # 30 buyers each want one A and one B; there are 12 A and 20 B: exactly 12 succeed, all or nothing.
    put_stock(variant, warehouse, 12)
    put_stock(variant_b, warehouse, 20)

    def buy(index):
        lines = [StockChange(variant.pk, warehouse.pk, -1), StockChange(variant_b.pk, warehouse.pk, -1)]
        try:
            return stock_apply(organization_id=org.pk, changes=lines[:: 1 if index % 2 else -1], reason=Reason.SALE)
        except InsufficientStock as short:
            return short

    results = run_together(30, buy)

    assert sum(isinstance(r, list) for r in results) == 12
    assert sum(isinstance(r, InsufficientStock) for r in results) == 18
    assert (on_hand(variant, warehouse), on_hand(variant_b, warehouse)) == (0, 8)
    assert_ledger_consistent()


def test_a_count_racing_with_removals_is_applied_under_the_lock(admin, staff, variant, warehouse):
    # A count of 50 and ten one-unit removals, in parallel: whatever the order, the final level is what the
    # movements say, and never what a stale read would give.
    put_stock(variant, warehouse, 30)
    calls = [{"counted_quantity": 50}] + [{"quantity": -1}] * 10

    responses = run_together(
        11,
        lambda i: client(admin).post(ADJUSTMENTS, {"variant": variant.pk, "warehouse": warehouse.pk, **calls[i]}),
    )

    assert statuses(responses) == {201: 11}
    count = StockMovement.objects.get(reference_type="adjustment", note="", quantity__gt=1)
    removals_after_count = StockMovement.objects.filter(movement_type="OUT", quantity=1, id__gt=count.id).count()
    assert on_hand(variant, warehouse) == 50 - removals_after_count
    assert_ledger_consistent()
