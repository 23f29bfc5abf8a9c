"""Each product's `stock_quantity`: the sum of its levels, kept by the ledger in the transaction that changes them."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from catalog.models import Product
from catalog.services import product_update
from stock.exceptions import InsufficientStock
from stock.models import Reason
from stock.services import StockChange, stock_apply, stock_remove, stock_set_counted
from tests.catalog.factories import VariantFactory
from tests.concurrency import run_together
from tests.stock.helpers import put_stock
from tests.stock.invariants import assert_ledger_consistent
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def total(product) -> int:
    return Product.objects.values_list("stock_quantity", flat=True).get(pk=product.pk)


@pytest.fixture
def sibling(variant):
    """A second variant of `variant`'s product."""
    return VariantFactory(product=variant.product, sku="TEA-GREEN-L")


def test_a_new_product_holds_no_stock(variant):
    assert total(variant.product) == 0


def test_one_level_changes_add_to_and_take_from_the_product(org, variant, warehouse):
    put_stock(variant, warehouse, 12)
    stock_remove(organization_id=org.pk, changes=[StockChange(variant.pk, warehouse.pk, 5)], reason=Reason.SALE)

    assert total(variant.product) == 7
    assert_ledger_consistent()


def test_every_variant_and_warehouse_counts_towards_its_own_product_only(
    org, variant, sibling, variant_b, warehouse, other_warehouse
):
    put_stock(variant, warehouse, 3)
    put_stock(sibling, other_warehouse, 4)
    stock_apply(
        organization_id=org.pk,
        changes=[
            StockChange(variant.pk, other_warehouse.pk, 10),
            StockChange(variant_b.pk, warehouse.pk, 6),
            StockChange(sibling.pk, other_warehouse.pk, -1),
        ],
        reason=Reason.ADJUSTMENT,
    )

    assert total(variant.product) == 3 + 4 + 10 - 1
    assert total(variant_b.product) == 6
    assert_ledger_consistent()


def test_a_refused_change_leaves_every_product_total_as_it_was(org, variant, variant_b, warehouse):
    put_stock(variant, warehouse, 2)
    put_stock(variant_b, warehouse, 9)

    with pytest.raises(InsufficientStock):
        stock_apply(
            organization_id=org.pk,
            changes=[StockChange(variant_b.pk, warehouse.pk, -4), StockChange(variant.pk, warehouse.pk, -3)],
            reason=Reason.SALE,
        )
    with pytest.raises(InsufficientStock):  # the one-level path refuses too
        stock_remove(organization_id=org.pk, changes=[StockChange(variant.pk, warehouse.pk, 3)], reason=Reason.SALE)

    assert (total(variant.product), total(variant_b.product)) == (2, 9)


def test_a_count_moves_the_total_by_the_difference_it_records(org, variant, warehouse):
    put_stock(variant, warehouse, 10)

    stock_set_counted(organization_id=org.pk, variant_id=variant.pk, warehouse_id=warehouse.pk, counted_quantity=4)

    assert total(variant.product) == 4


def test_a_transfer_leaves_the_product_total_unchanged(org, variant, warehouse, other_warehouse):
    put_stock(variant, warehouse, 8)

    stock_apply(
        organization_id=org.pk,
        changes=[StockChange(variant.pk, warehouse.pk, -5), StockChange(variant.pk, other_warehouse.pk, 5)],
        reason=Reason.TRANSFER,
    )

    assert total(variant.product) == 8
    assert_ledger_consistent()


def test_an_edit_of_a_product_read_before_a_sale_keeps_the_ledgers_total(org, variant, warehouse):
    stale = Product.objects.get(pk=variant.product_id)  # read with stock_quantity 0
    put_stock(variant, warehouse, 6)

    product_update(product=stale, data={"name": "Green tea, loose"})
    product_update(product=stale, data={})  # a PATCH with nothing to change

    assert total(variant.product) == 6
    assert Product.objects.get(pk=variant.product_id).name == "Green tea, loose"


def test_saving_a_product_in_the_admin_keeps_the_ledgers_total(org, variant, warehouse):
    product_admin = site._registry[Product]
    request = RequestFactory().post("/")
    request.user = UserFactory(organization=org, role="admin", is_staff=True, is_superuser=True)
    stale = Product.objects.get(pk=variant.product_id)
    put_stock(variant, warehouse, 6)
    form_class = product_admin.get_form(request, stale, change=True)
    form = form_class(
        instance=stale,
        data={"organization": stale.organization_id, "name": "Renamed", "is_active": "on", "description": ""},
    )
    assert form.is_valid(), form.errors

    product_admin.save_model(request, form.save(commit=False), form, change=True)

    assert total(variant.product) == 6
    assert Product.objects.get(pk=variant.product_id).name == "Renamed"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_multi_product_changes_on_different_levels_neither_deadlock_nor_lose_units(
    org, variant, variant_b, warehouse, other_warehouse
):
    # Two products in each operation, on levels no other operation shares, listed in opposite orders: only the
    # product rows are shared, so a ledger that locked them in line order would deadlock here.
    put_stock(variant, warehouse, 100)
    put_stock(variant_b, warehouse, 100)
    put_stock(variant, other_warehouse, 100)
    put_stock(variant_b, other_warehouse, 100)
    a, b = variant.pk, variant_b.pk

    def sell(index):
        place = warehouse.pk if index % 2 else other_warehouse.pk
        first, second = (a, b) if index % 2 else (b, a)
        return stock_apply(
            organization_id=org.pk,
            changes=[StockChange(first, place, -1), StockChange(second, place, -2)],
            reason=Reason.SALE,
        )

    for round_ in range(3):
        results = run_together(20, sell)

        errors = [result for result in results if isinstance(result, Exception)]
        assert not errors, f"round {round_}: {errors[:3]}"
    # 60 operations: each took 1 of one product and 2 of the other, half of them each way round.
    assert total(variant.product) + total(variant_b.product) == 400 - 60 * 3
    assert_ledger_consistent()
