"""`sales.services`: every status move, legal and not, and editing an order's details."""

import pytest

from core.exceptions import Conflict, InvalidInput, InvalidTransition
from sales import services
from sales.models import TRANSITIONS
from sales.services import ReturnLine
from stock.models import StockMovement
from tests.sales.conftest import level, sale_movements
from tests.sales.helpers import S
from tests.sales.helpers import create_order as _create

pytestmark = pytest.mark.django_db


# --- Every status move, legal and not -----------------------------------------------------------------------------
def _order_in(status, *, viewer, staff, warehouse, mug, shelve):
    """An order that got to `status` the way real orders do."""
    shelve(mug, warehouse, 5)
    if status == S.PENDING:
        return _create(viewer, warehouse, (mug, 2))
    if status in (S.REJECTED, S.CANCELLED):
        order = _create(viewer, warehouse, (mug, 2))
        return services.sales_order_set_status(order=order, status=status, by=staff)
    order = _create(staff, warehouse, (mug, 2), status=S.FULFILLED)
    if status == S.PARTIALLY_RETURNED:
        services.sales_order_return_items(order=order, by=staff, lines=[ReturnLine(order.items.get().pk, 1)])
    if status == S.RETURNED:
        services.sales_order_return_items(order=order, by=staff)
    order.refresh_from_db()
    return order


ILLEGAL = [(source, target) for source in S for target in S if target not in TRANSITIONS[source]]


@pytest.mark.parametrize(("source", "target"), ILLEGAL, ids=[f"{s.value}->{t.value}" for s, t in ILLEGAL])
def test_an_illegal_status_move_is_refused_and_changes_nothing(source, target, viewer, staff, warehouse, mug, shelve):
    order = _order_in(source, viewer=viewer, staff=staff, warehouse=warehouse, mug=mug, shelve=shelve)
    stock_before, movements_before = level(mug, warehouse), StockMovement.objects.count()

    with pytest.raises(InvalidTransition) as error:
        services.sales_order_set_status(order=order, status=target, by=staff)

    assert error.value.extra == {"current_status": source, "requested_status": target}
    order.refresh_from_db()
    assert order.status == source
    assert (level(mug, warehouse), StockMovement.objects.count()) == (stock_before, movements_before)


LEGAL = [
    (S.PENDING, S.FULFILLED, 3),
    (S.PENDING, S.REJECTED, 5),
    (S.PENDING, S.CANCELLED, 5),
    (S.FULFILLED, S.RETURNED, 5),
    (S.PARTIALLY_RETURNED, S.RETURNED, 5),
]


@pytest.mark.parametrize(
    ("source", "target", "stock_after"), LEGAL, ids=[f"{s.value}->{t.value}" for s, t, _ in LEGAL]
)
def test_a_legal_status_move_runs_the_operation_behind_it(
    source, target, stock_after, viewer, staff, warehouse, mug, shelve
):
    order = _order_in(source, viewer=viewer, staff=staff, warehouse=warehouse, mug=mug, shelve=shelve)

    services.sales_order_set_status(order=order, status=target, by=staff)

    order.refresh_from_db()
    assert order.status == target
    assert level(mug, warehouse) == stock_after


def test_a_second_partial_return_by_status_alone_is_the_status_it_already_has(viewer, staff, warehouse, mug, shelve):
    order = _order_in(S.PARTIALLY_RETURNED, viewer=viewer, staff=staff, warehouse=warehouse, mug=mug, shelve=shelve)

    with pytest.raises(InvalidTransition):
        services.sales_order_set_status(order=order, status=S.PARTIALLY_RETURNED, by=staff)


def test_a_partial_return_by_status_alone_asks_for_the_lines(viewer, staff, warehouse, mug, shelve):
    order = _order_in(S.FULFILLED, viewer=viewer, staff=staff, warehouse=warehouse, mug=mug, shelve=shelve)

    with pytest.raises(InvalidInput) as error:
        services.sales_order_set_status(order=order, status=S.PARTIALLY_RETURNED, by=staff)

    assert set(error.value.errors) == {"status"}

    order.refresh_from_db()
    assert order.status == S.FULFILLED


def test_toggling_a_fulfilled_order_back_and_forth_applies_the_stock_exactly_once(
    viewer, staff, warehouse, mug, shelve
):
    shelve(mug, warehouse, 10)
    order = _create(viewer, warehouse, (mug, 4))
    services.sales_order_set_status(order=order, status=S.FULFILLED, by=staff)

    for target in (S.PENDING, S.FULFILLED, S.PENDING, S.FULFILLED):
        with pytest.raises(InvalidTransition):
            services.sales_order_set_status(order=order, status=target, by=staff)

    order.refresh_from_db()
    assert order.status == S.FULFILLED
    assert level(mug, warehouse) == 6
    assert sale_movements(order).count() == 1


# --- PATCH of details ---------------------------------------------------------------------------------------------
def test_a_pending_orders_details_can_be_edited_by_its_requester(viewer, warehouse, mug):
    order = _create(viewer, warehouse, (mug, 1), customer_name="Ann")

    services.sales_order_update(order=order, by=viewer, data={"customer_name": "Ann Lee", "notes": "Gift"})

    order.refresh_from_db()
    assert (order.customer_name, order.notes) == ("Ann Lee", "Gift")


def test_a_decided_orders_details_are_frozen(staff, warehouse, mug, shelve):
    shelve(mug, warehouse, 1)
    order = _create(staff, warehouse, (mug, 1), status=S.FULFILLED, customer_name="Ann")

    with pytest.raises(Conflict):
        services.sales_order_update(order=order, by=staff, data={"customer_name": "Bob"})
    services.sales_order_update(order=order, by=staff, data={"customer_name": "Ann"})  # unchanged: nothing to do

    order.refresh_from_db()
    assert order.customer_name == "Ann"


def test_an_illegal_status_in_a_patch_also_leaves_the_details_unchanged(staff, warehouse, mug, shelve):
    shelve(mug, warehouse, 1)
    order = _create(staff, warehouse, (mug, 1), status=S.PENDING, customer_name="Ann")

    with pytest.raises(InvalidTransition):
        services.sales_order_update(order=order, by=staff, data={"customer_name": "Bob", "status": S.RETURNED})

    order.refresh_from_db()
    assert (order.customer_name, order.status) == ("Ann", S.PENDING)
