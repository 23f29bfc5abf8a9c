"""`sales.services`: creating sales and purchase requests; what is refused."""

from decimal import Decimal

import pytest

from catalog.models import Variant
from core.exceptions import InvalidInput, NotPermitted
from sales import services
from sales.models import SalesOrder, SalesOrderItem
from stock.exceptions import InsufficientStock
from tests.catalog.factories import VariantFactory
from tests.sales.conftest import level, sale_movements
from tests.sales.helpers import S
from tests.sales.helpers import create_order as _create

pytestmark = pytest.mark.django_db


# --- Create -------------------------------------------------------------------------------------------------------
def test_a_sale_takes_the_stock_of_every_line_with_one_out_movement_each(staff, warehouse, mug, tee, shelve):
    shelve(mug, warehouse, 10)
    shelve(tee, warehouse, 5)

    order = _create(staff, warehouse, (mug, 3), (tee, 2), status=S.FULFILLED)

    assert order.status == S.FULFILLED
    assert order.number == "SO-00001"
    assert order.fulfilled_at is not None and order.decided_by == staff
    assert (level(mug, warehouse), level(tee, warehouse)) == (7, 3)
    movements = list(sale_movements(order))
    assert [(m.variant_id, m.movement_type, m.reason, m.quantity) for m in movements] == [
        (mug.pk, "OUT", "sale", 3),
        (tee.pk, "OUT", "sale", 2),
    ]
    assert all(m.performed_by == staff for m in movements)


def test_each_sale_movement_records_the_variants_cost_at_that_moment(staff, warehouse, mug, shelve):
    shelve(mug, warehouse, 10)
    first = _create(staff, warehouse, (mug, 1), status=S.FULFILLED)
    Variant.objects.filter(pk=mug.pk).update(cost=Decimal("7.25"))
    mug.refresh_from_db()  # the cost, like the price, is the variant's as the caller read it (a request: just now)

    second = _create(staff, warehouse, (mug, 1), status=S.FULFILLED)

    assert sale_movements(first).get().unit_cost == Decimal("5.00")
    assert sale_movements(second).get().unit_cost == Decimal("7.25")
    assert second.items.get().unit_cost == Decimal("7.25")


def test_unit_price_defaults_to_the_variants_price_and_an_explicit_price_is_kept(staff, warehouse, mug, tee):
    order = _create(staff, warehouse, (mug, 1), (tee, 1, Decimal("17.99")), status=S.PENDING)

    assert [item.unit_price for item in order.items.order_by("id")] == [Decimal("12.50"), Decimal("17.99")]


def test_a_pending_order_takes_no_stock(viewer, warehouse, mug, shelve):
    shelve(mug, warehouse, 4)

    order = _create(viewer, warehouse, (mug, 3))

    assert order.status == S.PENDING
    assert order.fulfilled_at is None and order.decided_by is None
    assert level(mug, warehouse) == 4
    assert not sale_movements(order).exists()


def test_staff_sell_by_default_and_viewers_request(staff, viewer, warehouse, mug, shelve):
    shelve(mug, warehouse, 4)

    assert _create(staff, warehouse, (mug, 1)).status == S.FULFILLED
    assert _create(viewer, warehouse, (mug, 1)).status == S.PENDING


def test_a_viewer_cannot_sell_directly(viewer, warehouse, mug, shelve):
    shelve(mug, warehouse, 4)

    with pytest.raises(NotPermitted):
        _create(viewer, warehouse, (mug, 1), status=S.FULFILLED)

    assert not SalesOrder.objects.exists()
    assert level(mug, warehouse) == 4


def test_staff_cannot_sell_from_another_warehouse_but_may_request_from_it(staff, other_warehouse, mug, shelve):
    shelve(mug, other_warehouse, 4)

    with pytest.raises(NotPermitted):
        _create(staff, other_warehouse, (mug, 1), status=S.FULFILLED)
    request = _create(staff, other_warehouse, (mug, 1), status=S.PENDING)

    assert request.status == S.PENDING
    assert level(mug, other_warehouse) == 4


def test_an_admin_sells_from_any_warehouse(admin, other_warehouse, mug, shelve):
    shelve(mug, other_warehouse, 4)

    _create(admin, other_warehouse, (mug, 1), status=S.FULFILLED)

    assert level(mug, other_warehouse) == 3


def test_an_order_without_items_is_refused(staff, warehouse):
    with pytest.raises(InvalidInput) as error:
        services.sales_order_create(by=staff, warehouse=warehouse, lines=[], status=S.PENDING)

    assert "items" in error.value.errors
    assert not SalesOrder.objects.exists()


def test_a_new_order_is_only_pending_or_fulfilled(staff, warehouse, mug):
    with pytest.raises(InvalidInput) as error:
        _create(staff, warehouse, (mug, 1), status=S.RETURNED)

    assert error.value.errors == {"status": ['A new order is either "pending" or "fulfilled".']}


def test_a_short_sale_creates_no_order_and_consumes_no_number(staff, warehouse, mug, tee, shelve):
    shelve(mug, warehouse, 5)
    shelve(tee, warehouse, 1)

    with pytest.raises(InsufficientStock) as error:
        _create(staff, warehouse, (mug, 2), (tee, 3), status=S.FULFILLED)

    assert error.value.lines == [
        {"variant": tee.pk, "sku": "TEE", "warehouse": warehouse.pk, "requested": 3, "available": 1}
    ]
    assert not SalesOrder.objects.exists() and not SalesOrderItem.objects.exists()
    assert (level(mug, warehouse), level(tee, warehouse)) == (5, 1)
    assert _create(staff, warehouse, (mug, 1), status=S.FULFILLED).number == "SO-00001"


def test_the_same_variant_on_several_lines_is_checked_against_their_total(staff, warehouse, mug, shelve):
    shelve(mug, warehouse, 5)

    with pytest.raises(InsufficientStock) as error:
        _create(staff, warehouse, (mug, 3), (mug, 3), status=S.FULFILLED)
    order = _create(staff, warehouse, (mug, 3), (mug, 2), status=S.FULFILLED)

    assert error.value.lines[0]["requested"] == 6
    assert level(mug, warehouse) == 0
    assert [m.quantity for m in sale_movements(order)] == [3, 2]


def test_numbers_are_sequential_per_organization(staff, warehouse, mug, other_admin, foreign_warehouse):
    foreign_mug = VariantFactory(organization=other_admin.organization)

    numbers = [_create(staff, warehouse, (mug, 1), status=S.PENDING).number for _ in range(3)]
    foreign = _create(other_admin, foreign_warehouse, (foreign_mug, 1), status=S.PENDING)

    assert numbers == ["SO-00001", "SO-00002", "SO-00003"]
    assert foreign.number == "SO-00001"


def test_a_variant_of_another_organization_is_refused(staff, warehouse, other_org):
    foreign = VariantFactory(organization=other_org)

    with pytest.raises(InvalidInput) as error:
        _create(staff, warehouse, (foreign, 1), status=S.PENDING)

    assert error.value.errors == {"items": [{"variant": ["Unknown variant."]}]}
