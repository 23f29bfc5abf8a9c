import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sales.models import SalesOrder, SalesOrderStatus
from stock.models import StockMovement
from tests.catalog.factories import VariantFactory
from tests.sales.conftest import level, sale_movements
from tests.sales.factories import SalesOrderFactory, SalesOrderItemFactory
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db
S = SalesOrderStatus
LIST = reverse("sales:salesorder-list")
ORDER_FIELDS = {
    "id",
    "number",
    "warehouse",
    "customer_name",
    "customer_email",
    "status",
    "items",
    "total_amount",
    "created_by",
    "decided_by",
    "created_at",
    "fulfilled_at",
}
ITEM_FIELDS = {"id", "variant", "sku", "quantity", "unit_price", "line_total", "quantity_returned"}


def detail(order):
    return reverse("sales:salesorder-detail", args=[order["id"] if isinstance(order, dict) else order.pk])


def act(order, name):
    return reverse(f"sales:salesorder-{name}", args=[order["id"] if isinstance(order, dict) else order.pk])


def body(warehouse, *lines, **extra):
    return {"warehouse": warehouse.pk, "items": [{"variant": v.pk, "quantity": q} for v, q in lines], **extra}


@pytest.fixture
def request_by_viewer(viewer_client, warehouse, mug, tee):
    """A pending purchase request for 2 mugs and 1 tee, made by the viewer."""
    response = viewer_client.post(LIST, body(warehouse, (mug, 2), (tee, 1)))
    assert response.status_code == 201, response.content
    return response.json()


# --- Create -------------------------------------------------------------------------------------------------------
def test_staff_create_a_sale_that_takes_the_stock(staff_client, staff, warehouse, mug, tee, shelve):
    shelve(mug, warehouse, 10)
    shelve(tee, warehouse, 10)

    response = staff_client.post(
        LIST,
        {
            "warehouse": warehouse.pk,
            "customer_name": "Jane Doe",
            "customer_email": "jane@example.com",
            "items": [{"variant": mug.pk, "quantity": 2}, {"variant": tee.pk, "quantity": 1, "unit_price": "18.00"}],
        },
    )

    assert response.status_code == 201, response.content
    order = response.json()
    assert ORDER_FIELDS <= set(order)
    assert ITEM_FIELDS <= set(order["items"][0])
    assert order["number"] == "SO-00001"
    assert order["status"] == "fulfilled"
    assert order["created_by"] == {"id": staff.pk, "username": "staff"}
    assert order["decided_by"] == {"id": staff.pk, "username": "staff"}
    assert order["fulfilled_at"] is not None
    assert [
        (i["sku"], i["quantity"], i["unit_price"], i["line_total"], i["quantity_returned"]) for i in order["items"]
    ] == [
        ("MUG", 2, "12.50", "25.00", 0),
        ("TEE", 1, "18.00", "18.00", 0),
    ]
    assert order["total_amount"] == "43.00"
    assert (level(mug, warehouse), level(tee, warehouse)) == (8, 9)


def test_a_viewers_order_is_a_pending_request_and_takes_no_stock(viewer_client, viewer, warehouse, mug, shelve):
    shelve(mug, warehouse, 10)

    response = viewer_client.post(LIST, body(warehouse, (mug, 2)))

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending"
    assert response.json()["decided_by"] is None and response.json()["fulfilled_at"] is None
    assert level(mug, warehouse) == 10


def test_a_viewer_asking_to_sell_directly_is_forbidden(viewer_client, warehouse, mug, shelve):
    shelve(mug, warehouse, 10)

    response = viewer_client.post(LIST, body(warehouse, (mug, 2), status="fulfilled"))

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not SalesOrder.objects.exists()


@pytest.mark.parametrize("role_client", ["viewer_client", "staff_client", "manager_client", "admin_client"])
def test_every_role_may_request_from_any_warehouse_of_the_organization(request, role_client, other_warehouse, mug):
    client = request.getfixturevalue(role_client)

    response = client.post(LIST, body(other_warehouse, (mug, 1), status="pending"))

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending"


@pytest.mark.parametrize("role_client", ["staff_client", "manager_client"])
def test_staff_and_managers_cannot_sell_from_a_warehouse_not_theirs(
    request, role_client, other_warehouse, mug, shelve
):
    shelve(mug, other_warehouse, 10)
    client = request.getfixturevalue(role_client)

    response = client.post(LIST, body(other_warehouse, (mug, 1)))

    assert response.status_code == 403
    assert level(mug, other_warehouse) == 10
    assert not SalesOrder.objects.exists()


def test_an_admin_sells_from_any_warehouse(admin_client, other_warehouse, mug, shelve):
    shelve(mug, other_warehouse, 10)

    response = admin_client.post(LIST, body(other_warehouse, (mug, 1)))

    assert response.status_code == 201
    assert level(mug, other_warehouse) == 9


@pytest.mark.parametrize("items", [[], None], ids=["empty", "missing"])
def test_an_order_needs_at_least_one_item(staff_client, warehouse, items):
    payload = {"warehouse": warehouse.pk} | ({} if items is None else {"items": items})

    response = staff_client.post(LIST, payload)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "items" in response.json()["errors"]


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"quantity": 0}, "items.0.quantity"),
        ({"quantity": -2}, "items.0.quantity"),
        ({"quantity": 1_000_001}, "items.0.quantity"),
        ({"unit_price": "-1"}, "items.0.unit_price"),
        ({"unit_price": "12345678901.00"}, "items.0.unit_price"),
    ],
)
def test_a_bad_line_is_400_naming_its_field(staff_client, warehouse, mug, line, field):
    response = staff_client.post(
        LIST, {"warehouse": warehouse.pk, "items": [{"variant": mug.pk, "quantity": 1} | line]}
    )

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_ids_of_another_organization_are_400(staff_client, warehouse, mug, other_org, foreign_warehouse):
    foreign_variant = VariantFactory(organization=other_org)

    wrong_variant = staff_client.post(LIST, body(warehouse, (mug, 1), (foreign_variant, 1)))
    wrong_warehouse = staff_client.post(LIST, body(foreign_warehouse, (mug, 1), status="pending"))

    assert wrong_variant.status_code == 400 and "items.1.variant" in wrong_variant.json()["errors"]
    assert wrong_warehouse.status_code == 400 and "warehouse" in wrong_warehouse.json()["errors"]
    assert not SalesOrder.objects.exists()


def test_an_inactive_warehouse_takes_no_orders(staff_client, warehouse, mug):
    warehouse.is_active = False
    warehouse.save()

    response = staff_client.post(LIST, body(warehouse, (mug, 1), status="pending"))

    assert response.status_code == 400 and "warehouse" in response.json()["errors"]


def test_a_short_sale_is_409_and_creates_no_order(staff_client, warehouse, mug, tee, shelve):
    shelve(mug, warehouse, 5)
    shelve(tee, warehouse, 1)

    response = staff_client.post(LIST, body(warehouse, (mug, 2), (tee, 3)))

    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert response.json()["lines"] == [
        {"variant": tee.pk, "sku": "TEE", "warehouse": warehouse.pk, "requested": 3, "available": 1}
    ]
    assert not SalesOrder.objects.exists()
    assert (level(mug, warehouse), level(tee, warehouse)) == (5, 1)
    assert staff_client.post(LIST, body(warehouse, (mug, 1))).json()["number"] == "SO-00001"


def test_the_same_variant_on_two_lines_is_checked_against_their_total(staff_client, warehouse, mug, shelve):
    shelve(mug, warehouse, 5)

    short = staff_client.post(LIST, body(warehouse, (mug, 3), (mug, 3)))
    enough = staff_client.post(LIST, body(warehouse, (mug, 3), (mug, 2)))

    assert short.status_code == 409
    assert short.json()["lines"][0]["requested"] == 6 and short.json()["lines"][0]["available"] == 5
    assert enough.status_code == 201
    assert [m.quantity for m in sale_movements(SalesOrder.objects.get())] == [3, 2]
    assert level(mug, warehouse) == 0


# --- Fulfil -------------------------------------------------------------------------------------------------------
def test_fulfilling_a_request_takes_the_stock_and_a_second_fulfil_is_409(
    staff_client, staff, request_by_viewer, warehouse, mug, tee, shelve
):
    shelve(mug, warehouse, 5)
    shelve(tee, warehouse, 5)

    first = staff_client.post(act(request_by_viewer, "fulfill"))
    second = staff_client.post(act(request_by_viewer, "fulfill"))

    assert first.status_code == 200, first.content
    assert first.json()["status"] == "fulfilled"
    assert first.json()["decided_by"] == {"id": staff.pk, "username": "staff"}
    assert second.status_code == 409
    assert second.json()["code"] == "invalid_transition"
    assert (level(mug, warehouse), level(tee, warehouse)) == (3, 4)
    assert sale_movements(SalesOrder.objects.get()).count() == 2


def test_a_multi_line_fulfil_with_only_the_last_line_short_names_it_and_changes_nothing(
    staff_client, viewer_client, warehouse, mug, tee, cap, shelve
):
    shelve(mug, warehouse, 10)
    shelve(tee, warehouse, 10)
    shelve(cap, warehouse, 2)
    order = viewer_client.post(LIST, body(warehouse, (mug, 3), (tee, 4), (cap, 5))).json()
    movements_before = StockMovement.objects.count()

    response = staff_client.post(act(order, "fulfill"))

    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert response.json()["lines"] == [
        {"variant": cap.pk, "sku": "CAP", "warehouse": warehouse.pk, "requested": 5, "available": 2}
    ]
    assert "CAP" in response.json()["detail"]
    assert [level(v, warehouse) for v in (mug, tee, cap)] == [10, 10, 2]
    assert StockMovement.objects.count() == movements_before
    assert staff_client.get(detail(order)).json()["status"] == "pending"


def test_a_viewer_may_not_fulfil_reject_or_return(viewer_client, request_by_viewer):
    for name in ("fulfill", "reject", "return"):
        response = viewer_client.post(act(request_by_viewer, name), {})
        assert response.status_code == 403, name
        assert response.json()["code"] == "permission_denied"


def test_staff_may_not_fulfil_a_request_on_another_warehouse(
    staff_client, viewer_client, other_warehouse, mug, shelve
):
    shelve(mug, other_warehouse, 5)
    order = viewer_client.post(LIST, body(other_warehouse, (mug, 1))).json()

    response = staff_client.post(act(order, "fulfill"))

    assert response.status_code == 403
    assert level(mug, other_warehouse) == 5


def test_an_order_of_another_organization_is_404(client_for, other_admin, request_by_viewer):
    response = client_for(other_admin).post(act(request_by_viewer, "fulfill"))

    assert response.status_code == 404


# --- Reject, cancel -----------------------------------------------------------------------------------------------
def test_rejecting_stores_the_reason(manager_client, request_by_viewer):
    response = manager_client.post(act(request_by_viewer, "reject"), {"reason": "Not in stock this season"})

    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["rejection_reason"] == "Not in stock this season"
    assert response.json()["decided_by"]["username"] == "manager"


def test_the_requester_may_cancel_but_another_viewer_may_not(
    client_for, org, warehouse, viewer_client, request_by_viewer
):
    stranger = client_for(UserFactory(organization=org, role="viewer", warehouses=[warehouse]))

    refused = stranger.post(act(request_by_viewer, "cancel"))
    cancelled = viewer_client.post(act(request_by_viewer, "cancel"))
    again = viewer_client.post(act(request_by_viewer, "cancel"))

    assert refused.status_code == 403
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_a_fulfilled_order_cannot_be_rejected_or_cancelled(staff_client, warehouse, mug, shelve):
    shelve(mug, warehouse, 5)
    order = staff_client.post(LIST, body(warehouse, (mug, 1))).json()

    for name in ("reject", "cancel"):
        response = staff_client.post(act(order, name), {})
        assert response.status_code == 409, name
        assert response.json()["code"] == "invalid_transition"
        assert response.json()["current_status"] == "fulfilled"
    assert level(mug, warehouse) == 4


# --- Returns ------------------------------------------------------------------------------------------------------
@pytest.fixture
def sale(staff_client, warehouse, mug, tee, shelve):
    shelve(mug, warehouse, 10)
    shelve(tee, warehouse, 10)
    response = staff_client.post(LIST, body(warehouse, (mug, 4), (tee, 2)))
    assert response.status_code == 201
    return response.json()


def test_a_partial_return_then_the_rest(staff_client, sale, warehouse, mug, tee):
    mug_line, tee_line = (item["id"] for item in sale["items"])

    partial = staff_client.post(act(sale, "return"), {"items": [{"item": mug_line, "quantity": 1}]})
    rest = staff_client.post(
        act(sale, "return"), {"items": [{"item": mug_line, "quantity": 3}, {"item": tee_line, "quantity": 2}]}
    )

    assert partial.status_code == 200, partial.content
    assert partial.json()["status"] == "partially_returned"
    assert [i["quantity_returned"] for i in partial.json()["items"]] == [1, 0]
    assert rest.status_code == 200
    assert rest.json()["status"] == "returned"
    assert [i["quantity_returned"] for i in rest.json()["items"]] == [4, 2]
    assert (level(mug, warehouse), level(tee, warehouse)) == (10, 10)
    returns = StockMovement.objects.filter(reason="return", reference_id=sale["id"])
    assert set(returns.values_list("movement_type", flat=True)) == {"IN"}
    assert returns.count() == 3


def test_returning_more_than_is_left_is_400_on_that_line(staff_client, sale, warehouse, mug):
    mug_line = sale["items"][0]["id"]
    staff_client.post(act(sale, "return"), {"items": [{"item": mug_line, "quantity": 3}]})

    response = staff_client.post(act(sale, "return"), {"items": [{"item": mug_line, "quantity": 2}]})

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["errors"]) == ["items.0.quantity"]
    assert level(mug, warehouse) == 9
    assert staff_client.get(detail(sale)).json()["items"][0]["quantity_returned"] == 3


def test_a_return_needs_positive_quantities_and_lines_of_this_order(staff_client, sale):
    zero = staff_client.post(act(sale, "return"), {"items": [{"item": sale["items"][0]["id"], "quantity": 0}]})
    foreign_line = staff_client.post(act(sale, "return"), {"items": [{"item": 999999, "quantity": 1}]})
    empty = staff_client.post(act(sale, "return"), {"items": []})

    assert zero.status_code == 400 and "items.0.quantity" in zero.json()["errors"]
    assert foreign_line.status_code == 400 and "items.0.item" in foreign_line.json()["errors"]
    assert empty.status_code == 400 and "items" in empty.json()["errors"]


def test_a_return_without_items_takes_back_everything_still_out(staff_client, sale, warehouse, mug, tee):
    response = staff_client.post(act(sale, "return"), {})

    assert response.status_code == 200
    assert response.json()["status"] == "returned"
    assert (level(mug, warehouse), level(tee, warehouse)) == (10, 10)


def test_a_returned_or_pending_order_takes_no_return(staff_client, sale, request_by_viewer):
    staff_client.post(act(sale, "return"), {})

    again = staff_client.post(act(sale, "return"), {})
    pending = staff_client.post(act(request_by_viewer, "return"), {})

    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert pending.status_code == 409 and pending.json()["code"] == "invalid_transition"


# --- PATCH --------------------------------------------------------------------------------------------------------
def test_patch_status_fulfilled_does_what_fulfil_does(staff_client, request_by_viewer, warehouse, mug, tee, shelve):
    shelve(mug, warehouse, 5)
    shelve(tee, warehouse, 5)

    response = staff_client.patch(detail(request_by_viewer), {"status": "fulfilled"})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "fulfilled"
    assert response.json()["fulfilled_at"] is not None
    assert (level(mug, warehouse), level(tee, warehouse)) == (3, 4)


def test_toggling_status_by_patch_is_refused_and_stock_moves_exactly_once(
    staff_client, request_by_viewer, warehouse, mug, tee, shelve
):
    shelve(mug, warehouse, 5)
    shelve(tee, warehouse, 5)
    staff_client.patch(detail(request_by_viewer), {"status": "fulfilled"})

    back = staff_client.patch(detail(request_by_viewer), {"status": "pending"})
    same = staff_client.patch(detail(request_by_viewer), {"status": "fulfilled"})
    fulfil_action = staff_client.post(act(request_by_viewer, "fulfill"))

    for response in (back, same, fulfil_action):
        assert response.status_code == 409
        assert response.json()["code"] == "invalid_transition"
    assert back.json()["current_status"] == "fulfilled" and back.json()["requested_status"] == "pending"
    assert (level(mug, warehouse), level(tee, warehouse)) == (3, 4)
    assert sale_movements(SalesOrder.objects.get()).count() == 2
    assert staff_client.get(detail(request_by_viewer)).json()["status"] == "fulfilled"


def test_patch_to_the_current_status_is_409_not_ignored(staff_client, request_by_viewer):
    response = staff_client.patch(detail(request_by_viewer), {"status": "pending"})

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_patch_status_rejected_takes_the_reason(staff_client, request_by_viewer):
    response = staff_client.patch(detail(request_by_viewer), {"status": "rejected", "reason": "Duplicate"})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["rejection_reason"]) == ("rejected", "Duplicate")


def test_patch_status_returned_takes_everything_back(staff_client, sale, warehouse, mug):
    response = staff_client.patch(detail(sale), {"status": "returned"})

    assert response.status_code == 200
    assert response.json()["status"] == "returned"
    assert level(mug, warehouse) == 10


def test_patch_status_partially_returned_asks_for_the_lines(staff_client, sale):
    response = staff_client.patch(detail(sale), {"status": "partially_returned"})

    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_patch_repeating_a_partial_return_status_is_409(staff_client, sale):
    staff_client.post(act(sale, "return"), {"items": [{"item": sale["items"][0]["id"], "quantity": 1}]})

    response = staff_client.patch(detail(sale), {"status": "partially_returned"})

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_patch_with_an_unknown_status_is_400(staff_client, request_by_viewer):
    response = staff_client.patch(detail(request_by_viewer), {"status": "shipped"})

    assert response.status_code == 400 and "status" in response.json()["errors"]


def test_a_viewer_may_cancel_their_request_by_patch_but_not_fulfil_it(viewer_client, request_by_viewer):
    fulfil = viewer_client.patch(detail(request_by_viewer), {"status": "fulfilled"})
    cancel = viewer_client.patch(detail(request_by_viewer), {"status": "cancelled"})

    assert fulfil.status_code == 403
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"


def test_patch_edits_a_pending_orders_details_but_not_a_fulfilled_ones(
    viewer_client, staff_client, request_by_viewer, sale
):
    edited = viewer_client.patch(
        detail(request_by_viewer), {"customer_name": "Zoe", "customer_email": "z@example.com"}
    )
    frozen = staff_client.patch(detail(sale), {"customer_name": "Zoe"})
    items = viewer_client.patch(detail(request_by_viewer), {"items": []})

    assert edited.status_code == 200
    assert (edited.json()["customer_name"], edited.json()["customer_email"]) == ("Zoe", "z@example.com")
    assert frozen.status_code == 409 and frozen.json()["code"] == "conflict"
    assert items.status_code == 400 and "items" in items.json()["errors"]


def test_orders_are_never_replaced_or_deleted(admin_client, request_by_viewer):
    assert admin_client.put(detail(request_by_viewer), {"status": "pending"}).status_code == 405
    assert admin_client.delete(detail(request_by_viewer)).status_code == 405
    assert SalesOrder.objects.count() == 1


# --- Idempotency --------------------------------------------------------------------------------------------------
def test_a_repeated_create_with_the_same_key_makes_one_order(staff_client, warehouse, mug, shelve):
    shelve(mug, warehouse, 10)
    payload = body(warehouse, (mug, 2))

    first = staff_client.post(LIST, payload, HTTP_IDEMPOTENCY_KEY="sale-1")
    second = staff_client.post(LIST, payload, HTTP_IDEMPOTENCY_KEY="sale-1")
    other_body = staff_client.post(LIST, body(warehouse, (mug, 3)), HTTP_IDEMPOTENCY_KEY="sale-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert other_body.status_code == 422 and other_body.json()["code"] == "idempotency_key_reused"
    assert SalesOrder.objects.count() == 1
    assert level(mug, warehouse) == 8


@pytest.mark.parametrize(("name", "payload"), [("fulfill", {}), ("reject", {"reason": "no"}), ("cancel", {})])
def test_a_repeated_decision_with_the_same_key_replays_instead_of_409(
    staff_client, request_by_viewer, warehouse, mug, tee, shelve, name, payload
):
    shelve(mug, warehouse, 5)
    shelve(tee, warehouse, 5)

    first = staff_client.post(act(request_by_viewer, name), payload, HTTP_IDEMPOTENCY_KEY=f"decide-{name}")
    second = staff_client.post(act(request_by_viewer, name), payload, HTTP_IDEMPOTENCY_KEY=f"decide-{name}")

    assert first.status_code == second.status_code == 200
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert StockMovement.objects.filter(reason="sale").count() == (2 if name == "fulfill" else 0)


def test_a_repeated_return_with_the_same_key_returns_once(staff_client, sale, warehouse, mug):
    payload = {"items": [{"item": sale["items"][0]["id"], "quantity": 1}]}

    first = staff_client.post(act(sale, "return"), payload, HTTP_IDEMPOTENCY_KEY="r-1")
    second = staff_client.post(act(sale, "return"), payload, HTTP_IDEMPOTENCY_KEY="r-1")

    assert first.status_code == second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert level(mug, warehouse) == 7


# --- Reads --------------------------------------------------------------------------------------------------------
def _backdate(order_id, day: datetime.date):
    moment = datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)
    SalesOrder.objects.filter(pk=order_id).update(created_at=moment)


def test_filters_by_status_warehouse_and_inclusive_dates(admin_client, org, warehouse, other_warehouse, mug, shelve):
    shelve(mug, warehouse, 10)
    sold = admin_client.post(LIST, body(warehouse, (mug, 1))).json()
    requested = admin_client.post(LIST, body(other_warehouse, (mug, 1), status="pending")).json()
    old = admin_client.post(LIST, body(warehouse, (mug, 1), status="pending")).json()
    _backdate(sold["id"], datetime.date(2025, 3, 10))
    _backdate(requested["id"], datetime.date(2025, 3, 12))
    _backdate(old["id"], datetime.date(2025, 1, 1))

    def ids(**params):
        response = admin_client.get(LIST, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(status="pending") == {requested["id"], old["id"]}
    assert ids(warehouse=other_warehouse.pk) == {requested["id"]}
    assert ids(created_after="2025-03-10", created_before="2025-03-12") == {sold["id"], requested["id"]}
    assert ids(created_after="2025-03-11") == {requested["id"]}
    assert ids(created_before="2025-03-10") == {sold["id"], old["id"]}
    assert admin_client.get(LIST, {"created_after": "10/03/2025"}).status_code == 400
    assert admin_client.get(LIST, {"status": "lost"}).status_code == 400


def test_search_and_ordering(admin_client, warehouse, mug):
    a = admin_client.post(LIST, body(warehouse, (mug, 1), status="pending", customer_name="Alice")).json()
    b = admin_client.post(LIST, body(warehouse, (mug, 9), status="pending", customer_name="Bob")).json()

    found = admin_client.get(LIST, {"search": "alice"}).json()["results"]
    by_total = admin_client.get(LIST, {"ordering": "-total_amount"}).json()["results"]
    newest_first = admin_client.get(LIST).json()["results"]

    assert [row["id"] for row in found] == [a["id"]]
    assert [row["id"] for row in by_total] == [b["id"], a["id"]]
    assert [row["id"] for row in newest_first] == [b["id"], a["id"]]


def test_every_role_reads_every_order_of_the_organization(viewer_client, admin_client, other_warehouse, mug):
    order = admin_client.post(LIST, body(other_warehouse, (mug, 1), status="pending")).json()

    assert viewer_client.get(detail(order)).status_code == 200
    assert [row["id"] for row in viewer_client.get(LIST).json()["results"]] == [order["id"]]


def test_reads_need_authentication(api_client):
    response = api_client.get(LIST)

    assert response.status_code == 401


def _orders(org, count, lines):
    for _ in range(count):
        SalesOrderFactory(organization=org, items=lines)


def test_the_list_runs_the_same_queries_for_5_and_100_orders_of_any_size(admin_client, org):
    _orders(org, 5, 1)
    with CaptureQueriesContext(connection) as small:
        assert len(admin_client.get(LIST, {"page_size": 5}).json()["results"]) == 5
    _orders(org, 95, 4)
    with CaptureQueriesContext(connection) as large:
        assert len(admin_client.get(LIST, {"page_size": 100}).json()["results"]) == 100

    assert len(large) == len(small)
    assert len(large) <= 4  # count, page, items with their variants and products


def test_the_detail_runs_the_same_queries_for_1_and_30_items(admin_client, org):
    small, large = SalesOrderFactory(organization=org, items=1), SalesOrderFactory(organization=org, items=30)
    with CaptureQueriesContext(connection) as few:
        assert len(admin_client.get(detail(small)).json()["items"]) == 1
    with CaptureQueriesContext(connection) as many:
        assert len(admin_client.get(detail(large)).json()["items"]) == 30

    assert len(many) == len(few) <= 3


def test_totals_add_up_the_lines(admin_client, org):
    order = SalesOrderFactory(organization=org, items=0)
    SalesOrderItemFactory(order=order, quantity=3, unit_price=Decimal("19.99"))
    SalesOrderItemFactory(order=order, quantity=1, unit_price=Decimal("0.02"))

    data = admin_client.get(detail(order)).json()

    assert [item["line_total"] for item in data["items"]] == ["59.97", "0.02"]
    assert data["total_amount"] == "59.99"


@pytest.mark.parametrize("role_client", ["staff_client", "manager_client"])
@pytest.mark.parametrize(("name", "payload"), [("fulfill", {}), ("reject", {"reason": "x"})])
def test_decisions_on_another_warehouses_request_are_forbidden(
    request, role_client, name, payload, viewer_client, other_warehouse, mug, shelve
):
    shelve(mug, other_warehouse, 5)
    order = viewer_client.post(LIST, body(other_warehouse, (mug, 1))).json()

    response = request.getfixturevalue(role_client).post(act(order, name), payload)

    assert response.status_code == 403
    assert viewer_client.get(detail(order)).json()["status"] == "pending"
    assert level(mug, other_warehouse) == 5


@pytest.mark.parametrize("role_client", ["staff_client", "manager_client"])
def test_returns_on_another_warehouses_sale_are_forbidden(
    request, role_client, admin_client, other_warehouse, mug, shelve
):
    shelve(mug, other_warehouse, 5)
    order = admin_client.post(LIST, body(other_warehouse, (mug, 2))).json()

    response = request.getfixturevalue(role_client).post(act(order, "return"), {})

    assert response.status_code == 403
    assert level(mug, other_warehouse) == 3


def test_approving_through_the_api_emails_the_requester_once(
    staff_client,
    viewer,
    request_by_viewer,
    warehouse,
    mug,
    tee,
    shelve,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    shelve(mug, warehouse, 5)
    shelve(tee, warehouse, 5)

    with django_capture_on_commit_callbacks(execute=True):
        first = staff_client.post(act(request_by_viewer, "fulfill"), HTTP_IDEMPOTENCY_KEY="approve")
        replay = staff_client.post(act(request_by_viewer, "fulfill"), HTTP_IDEMPOTENCY_KEY="approve")

    assert first.status_code == replay.status_code == 200
    assert [message.to for message in mailoutbox] == [[viewer.email]]
    assert request_by_viewer["number"] in mailoutbox[0].subject
