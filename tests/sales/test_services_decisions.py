"""`sales.services`: fulfil, reject, cancel and return, who may, and the e-mail to the requester."""

from decimal import Decimal

import pytest
from django.core import mail

from catalog.models import Variant
from core.exceptions import InvalidInput, InvalidTransition, NotPermitted
from sales import services
from sales.services import ReturnLine
from stock.exceptions import InsufficientStock
from stock.models import StockMovement
from tests.sales.conftest import level, sale_movements
from tests.sales.helpers import S
from tests.sales.helpers import create_order as _create
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def _item_states(order):
    return list(order.items.order_by("id").values_list("quantity", "quantity_returned"))


# --- Fulfil -------------------------------------------------------------------------------------------------------
def test_fulfilling_a_request_takes_the_stock_once(viewer, staff, warehouse, mug, shelve):
    shelve(mug, warehouse, 5)
    order = _create(viewer, warehouse, (mug, 2))

    services.sales_order_fulfil(order=order, by=staff)
    with pytest.raises(InvalidTransition):
        services.sales_order_fulfil(order=order, by=staff)

    order.refresh_from_db()
    assert order.status == S.FULFILLED and order.decided_by == staff and order.fulfilled_at is not None
    assert level(mug, warehouse) == 3
    assert sale_movements(order).count() == 1


def test_fulfilling_with_only_the_last_line_short_changes_nothing(viewer, staff, warehouse, mug, tee, cap, shelve):
    shelve(mug, warehouse, 5)
    shelve(tee, warehouse, 5)
    shelve(cap, warehouse, 1)
    order = _create(viewer, warehouse, (mug, 2), (tee, 2), (cap, 2))
    movements_before = StockMovement.objects.count()

    with pytest.raises(InsufficientStock) as error:
        services.sales_order_fulfil(order=order, by=staff)

    assert error.value.lines == [
        {"variant": cap.pk, "sku": "CAP", "warehouse": warehouse.pk, "requested": 2, "available": 1}
    ]
    order.refresh_from_db()
    assert order.status == S.PENDING and order.fulfilled_at is None and order.decided_by is None
    assert [level(v, warehouse) for v in (mug, tee, cap)] == [5, 5, 1]
    assert StockMovement.objects.count() == movements_before
    assert list(order.items.values_list("unit_cost", flat=True)) == [None, None, None]


def test_a_viewer_cannot_fulfil(viewer, warehouse, mug, shelve):
    shelve(mug, warehouse, 5)
    order = _create(viewer, warehouse, (mug, 2))

    with pytest.raises(NotPermitted):
        services.sales_order_fulfil(order=order, by=viewer)

    assert level(mug, warehouse) == 5


def test_staff_cannot_fulfil_a_request_on_another_warehouse(viewer, staff, other_warehouse, mug, shelve):
    shelve(mug, other_warehouse, 5)
    order = _create(viewer, other_warehouse, (mug, 2))

    with pytest.raises(NotPermitted):
        services.sales_order_fulfil(order=order, by=staff)

    order.refresh_from_db()
    assert order.status == S.PENDING


# --- Reject and cancel --------------------------------------------------------------------------------------------
def test_rejecting_stores_the_reason_and_who_decided(viewer, manager, warehouse, mug):
    order = _create(viewer, warehouse, (mug, 2))

    services.sales_order_reject(order=order, by=manager, reason="Out of season")

    order.refresh_from_db()
    assert (order.status, order.rejection_reason, order.decided_by) == (S.REJECTED, "Out of season", manager)
    assert order.decided_at is not None


def test_the_requester_may_cancel_their_own_request(viewer, warehouse, mug):
    order = _create(viewer, warehouse, (mug, 2))

    services.sales_order_cancel(order=order, by=viewer)

    order.refresh_from_db()
    assert order.status == S.CANCELLED


def test_another_viewer_may_not_cancel_a_request(org, viewer, warehouse, mug):
    other_viewer = UserFactory(organization=org, role="viewer", warehouses=[warehouse])
    order = _create(viewer, warehouse, (mug, 2))

    with pytest.raises(NotPermitted):
        services.sales_order_cancel(order=order, by=other_viewer)


def test_staff_of_the_warehouse_may_cancel_a_request_but_not_staff_of_another(org, viewer, staff, warehouse, mug):
    annex = org.warehouses.create(name="Far", code="FAR")
    outsider = UserFactory(organization=org, role="staff", warehouses=[annex])
    order = _create(viewer, warehouse, (mug, 2))

    with pytest.raises(NotPermitted):
        services.sales_order_cancel(order=order, by=outsider)
    services.sales_order_cancel(order=order, by=staff)

    order.refresh_from_db()
    assert order.status == S.CANCELLED


# --- Returns ------------------------------------------------------------------------------------------------------
@pytest.fixture
def sold(staff, warehouse, mug, tee, shelve):
    """A fulfilled order: 4 mugs and 2 tees out of 10 each."""
    shelve(mug, warehouse, 10)
    shelve(tee, warehouse, 10)
    return _create(staff, warehouse, (mug, 4), (tee, 2), status=S.FULFILLED)


def test_a_partial_return_puts_the_units_back_and_leaves_the_order_partially_returned(sold, staff, warehouse, mug):
    mug_line = sold.items.get(variant=mug)

    services.sales_order_return_items(order=sold, by=staff, lines=[ReturnLine(mug_line.pk, 1)])

    sold.refresh_from_db()
    assert sold.status == S.PARTIALLY_RETURNED
    assert _item_states(sold) == [(4, 1), (2, 0)]
    assert level(mug, warehouse) == 7
    back = sale_movements(sold).filter(reason="return").get()
    assert (back.movement_type, back.quantity, back.variant_id) == ("IN", 1, mug.pk)


def test_returns_come_back_at_the_cost_of_the_original_sale(sold, staff, mug):
    Variant.objects.filter(pk=mug.pk).update(cost=Decimal("99.00"))
    mug_line = sold.items.get(variant=mug)

    services.sales_order_return_items(order=sold, by=staff, lines=[ReturnLine(mug_line.pk, 2)])

    assert sale_movements(sold).filter(reason="return").get().unit_cost == Decimal("5.00")


def test_returning_the_rest_makes_the_order_returned(sold, staff, warehouse, mug, tee):
    mug_line, tee_line = sold.items.order_by("id")
    services.sales_order_return_items(order=sold, by=staff, lines=[ReturnLine(mug_line.pk, 1)])

    services.sales_order_return_items(
        order=sold, by=staff, lines=[ReturnLine(mug_line.pk, 3), ReturnLine(tee_line.pk, 2)]
    )

    sold.refresh_from_db()
    assert sold.status == S.RETURNED
    assert _item_states(sold) == [(4, 4), (2, 2)]
    assert (level(mug, warehouse), level(tee, warehouse)) == (10, 10)


def test_returning_without_lines_takes_back_everything_still_out(sold, staff, warehouse, mug, tee):
    mug_line = sold.items.get(variant=mug)
    services.sales_order_return_items(order=sold, by=staff, lines=[ReturnLine(mug_line.pk, 1)])

    services.sales_order_return_items(order=sold, by=staff)

    sold.refresh_from_db()
    assert sold.status == S.RETURNED
    assert (level(mug, warehouse), level(tee, warehouse)) == (10, 10)
    assert sorted(m.quantity for m in sale_movements(sold).filter(reason="return")) == [1, 2, 3]


def test_returning_more_than_is_left_on_a_line_is_refused_and_changes_nothing(sold, staff, warehouse, mug):
    mug_line, tee_line = sold.items.order_by("id")
    services.sales_order_return_items(order=sold, by=staff, lines=[ReturnLine(mug_line.pk, 3)])

    with pytest.raises(InvalidInput) as error:
        services.sales_order_return_items(
            order=sold, by=staff, lines=[ReturnLine(tee_line.pk, 1), ReturnLine(mug_line.pk, 2)]
        )

    assert error.value.errors["items"][1]["quantity"]
    assert not error.value.errors["items"][0]
    assert _item_states(sold) == [(4, 3), (2, 0)]
    assert level(mug, warehouse) == 9


def test_the_same_line_twice_in_one_return_is_checked_against_their_sum(sold, staff):
    tee_line = sold.items.order_by("id")[1]

    with pytest.raises(InvalidInput) as error:
        services.sales_order_return_items(
            order=sold, by=staff, lines=[ReturnLine(tee_line.pk, 2), ReturnLine(tee_line.pk, 1)]
        )

    assert "quantity" in error.value.errors["items"][1]
    assert _item_states(sold) == [(4, 0), (2, 0)]


def test_a_line_of_another_order_cannot_be_returned(sold, staff, warehouse, mug):
    other = _create(staff, warehouse, (mug, 1), status=S.FULFILLED)

    with pytest.raises(InvalidInput) as error:
        services.sales_order_return_items(order=sold, by=staff, lines=[ReturnLine(other.items.get().pk, 1)])

    assert "item" in error.value.errors["items"][0]


def test_a_pending_order_cannot_take_returns(viewer, staff, warehouse, mug):
    order = _create(viewer, warehouse, (mug, 1))

    with pytest.raises(InvalidTransition):
        services.sales_order_return_items(order=order, by=staff, lines=[ReturnLine(order.items.get().pk, 1)])


def test_a_viewer_cannot_take_returns(sold, viewer):
    with pytest.raises(NotPermitted):
        services.sales_order_return_items(order=sold, by=viewer)


# --- E-mail to the requester --------------------------------------------------------------------------------------
def test_the_requester_is_emailed_when_their_request_is_approved(
    viewer, staff, warehouse, mug, shelve, django_capture_on_commit_callbacks
):
    shelve(mug, warehouse, 5)
    order = _create(viewer, warehouse, (mug, 2))

    with django_capture_on_commit_callbacks(execute=True):
        services.sales_order_fulfil(order=order, by=staff)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [viewer.email]
    assert order.number in mail.outbox[0].subject and "approved" in mail.outbox[0].subject


def test_the_requester_is_emailed_the_reason_when_their_request_is_rejected(
    viewer, manager, warehouse, mug, django_capture_on_commit_callbacks
):
    order = _create(viewer, warehouse, (mug, 2))

    with django_capture_on_commit_callbacks(execute=True):
        services.sales_order_reject(order=order, by=manager, reason="Discontinued")

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [viewer.email]
    assert "rejected" in mail.outbox[0].subject and "Discontinued" in mail.outbox[0].body


def test_no_email_is_sent_when_the_approval_fails(viewer, staff, warehouse, mug, django_capture_on_commit_callbacks):
    order = _create(viewer, warehouse, (mug, 2))  # no stock at all

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InsufficientStock):
        services.sales_order_fulfil(order=order, by=staff)

    assert mail.outbox == []


def test_no_email_for_a_direct_sale_or_for_deciding_ones_own_request(
    staff, warehouse, mug, shelve, django_capture_on_commit_callbacks
):
    shelve(mug, warehouse, 5)

    with django_capture_on_commit_callbacks(execute=True):
        _create(staff, warehouse, (mug, 1), status=S.FULFILLED)
        own = _create(staff, warehouse, (mug, 1), status=S.PENDING)
        services.sales_order_fulfil(order=own, by=staff)

    assert mail.outbox == []


def test_no_email_when_the_requester_has_no_address(org, staff, warehouse, mug, django_capture_on_commit_callbacks):
    requester = UserFactory(organization=org, role="viewer", email="")
    order = _create(requester, warehouse, (mug, 1))

    with django_capture_on_commit_callbacks(execute=True):
        services.sales_order_reject(order=order, by=staff)

    assert mail.outbox == []
