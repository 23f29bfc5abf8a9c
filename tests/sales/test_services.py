from decimal import Decimal

import pytest
from django.core import mail

from catalog.models import Variant
from core.exceptions import Conflict, InvalidInput, InvalidTransition, NotPermitted
from sales import services
from sales.models import TRANSITIONS, SalesOrder, SalesOrderItem, SalesOrderStatus
from sales.services import OrderLine, ReturnLine
from stock.exceptions import InsufficientStock
from stock.models import StockMovement
from tests.catalog.factories import VariantFactory
from tests.sales.conftest import level, sale_movements
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db
S = SalesOrderStatus


def _create(by, warehouse, *lines, status=None, **kwargs):
    return services.sales_order_create(
        by=by, warehouse=warehouse, lines=[OrderLine(*line) for line in lines], status=status, **kwargs
    )


def _item_states(order):
    return list(order.items.order_by("id").values_list("quantity", "quantity_returned"))


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
