"""`/api/transfers/`: request, approve (moves stock once), reject, cancel; roles and bad input."""

import pytest

from stock.models import StockMovement, Transfer, TransferStatus
from tests.catalog.factories import VariantFactory
from tests.stock.helpers import on_hand, put_stock
from tests.stock.invariants import assert_ledger_consistent

pytestmark = pytest.mark.django_db

URL = "/api/transfers/"


@pytest.fixture
def request_transfer(client_for, admin, warehouse, other_warehouse, variant):
    """`request_transfer(items=[(variant, qty)], by=user, source=..., destination=...)` through the API."""

    def make(items=None, *, by=None, source=warehouse, destination=other_warehouse):
        items = items or [(variant, 4)]
        response = client_for(by or admin).post(
            URL,
            {
                "source_warehouse": source.pk,
                "destination_warehouse": destination.pk,
                "items": [{"variant": v.pk, "quantity": q} for v, q in items],
                "note": "restock",
            },
        )
        assert response.status_code == 201, response.content
        return response.json()

    return make


def test_a_requested_transfer_moves_nothing_yet(manager_client, manager, variant, warehouse, other_warehouse):
    put_stock(variant, warehouse, 10)

    response = manager_client.post(
        URL,
        {
            "source_warehouse": warehouse.pk,
            "destination_warehouse": other_warehouse.pk,
            "items": [{"sku": "TEA-GREEN", "quantity": 4}],
            "note": "restock",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "requested"
    assert body["number"] == "TR-00001"
    assert (body["source_warehouse"], body["destination_warehouse"]) == (warehouse.pk, other_warehouse.pk)
    assert (body["source_warehouse_name"], body["destination_warehouse_name"]) == ("Main", "Annex")
    assert [(item["variant"], item["sku"], item["quantity"]) for item in body["items"]] == [
        (variant.pk, "TEA-GREEN", 4)
    ]
    assert body["requested_by"] == {"id": manager.pk, "username": "manager"}
    assert (body["decided_by"], body["decided_at"], body["note"]) == (None, None, "restock")
    assert (on_hand(variant, warehouse), on_hand(variant, other_warehouse)) == (10, 0)


def test_approving_moves_every_line_out_of_the_source_and_into_the_destination(
    admin_client, admin, request_transfer, variant, variant_b, warehouse, other_warehouse
):
    put_stock(variant, warehouse, 10)
    put_stock(variant_b, warehouse, 3)
    transfer = request_transfer([(variant, 4), (variant_b, 3)])

    response = admin_client.post(f"{URL}{transfer['id']}/approve/")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "completed"
    assert response.json()["decided_by"] == {"id": admin.pk, "username": "admin"}
    assert (on_hand(variant, warehouse), on_hand(variant, other_warehouse)) == (6, 4)
    assert (on_hand(variant_b, warehouse), on_hand(variant_b, other_warehouse)) == (0, 3)
    moves = StockMovement.objects.filter(reference_type="transfer", reference_id=transfer["id"]).order_by("id")
    assert [(m.variant_id, m.warehouse_id, m.movement_type, m.quantity, m.reason) for m in moves] == [
        (variant.pk, warehouse.pk, "OUT", 4, "transfer"),
        (variant.pk, other_warehouse.pk, "IN", 4, "transfer"),
        (variant_b.pk, warehouse.pk, "OUT", 3, "transfer"),
        (variant_b.pk, other_warehouse.pk, "IN", 3, "transfer"),
    ]
    assert_ledger_consistent()


def test_approving_twice_moves_stock_once_and_the_second_is_409(
    admin_client, request_transfer, variant, warehouse, other_warehouse
):
    put_stock(variant, warehouse, 10)
    transfer = request_transfer([(variant, 4)])

    first = admin_client.post(f"{URL}{transfer['id']}/approve/")
    second = admin_client.post(f"{URL}{transfer['id']}/approve/")

    assert first.status_code == 200
    assert second.status_code == 409
    body = second.json()
    # The HTTP status stays under `status`; the transfer's own status is `current_status`.
    assert (body["status"], body["code"], body["current_status"]) == (409, "invalid_transition", "completed")
    assert (on_hand(variant, warehouse), on_hand(variant, other_warehouse)) == (6, 4)


def test_approving_with_short_stock_is_409_moves_nothing_and_stays_requested(
    admin_client, request_transfer, variant, variant_b, warehouse, other_warehouse
):
    put_stock(variant, warehouse, 10)
    put_stock(variant_b, warehouse, 1)
    transfer = request_transfer([(variant, 4), (variant_b, 2)])

    response = admin_client.post(f"{URL}{transfer['id']}/approve/")

    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert [(line["sku"], line["requested"], line["available"]) for line in response.json()["lines"]] == [
        ("TEA-BLACK", 2, 1)
    ]
    assert Transfer.objects.get().status == TransferStatus.REQUESTED
    assert (on_hand(variant, warehouse), on_hand(variant, other_warehouse)) == (10, 0)


def test_the_same_variant_on_two_lines_is_checked_against_their_total(
    admin_client, request_transfer, variant, warehouse
):
    put_stock(variant, warehouse, 5)
    transfer = request_transfer([(variant, 3), (variant, 3)])

    response = admin_client.post(f"{URL}{transfer['id']}/approve/")

    assert response.status_code == 409
    assert response.json()["lines"][0]["requested"] == 6
    assert on_hand(variant, warehouse) == 5


def test_reject_and_cancel_move_nothing(admin_client, manager_client, request_transfer, manager, variant, warehouse):
    put_stock(variant, warehouse, 10)
    rejected = request_transfer()
    cancelled = request_transfer(by=manager)

    reject = admin_client.post(f"{URL}{rejected['id']}/reject/")
    cancel = manager_client.post(f"{URL}{cancelled['id']}/cancel/")

    assert (reject.status_code, reject.json()["status"]) == (200, "rejected")
    assert (cancel.status_code, cancel.json()["status"]) == (200, "cancelled")
    assert on_hand(variant, warehouse) == 10
    assert StockMovement.objects.count() == 1


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("approve", "reject"),
        ("approve", "cancel"),
        ("reject", "approve"),
        ("reject", "cancel"),
        ("cancel", "approve"),
        ("cancel", "reject"),
        ("cancel", "cancel"),
    ],
)
def test_a_decided_transfer_cannot_change_again(admin_client, request_transfer, variant, warehouse, first, then):
    put_stock(variant, warehouse, 10)
    transfer = request_transfer()
    assert admin_client.post(f"{URL}{transfer['id']}/{first}/").status_code == 200
    status_after_first = Transfer.objects.get().status
    stock_after_first = on_hand(variant, warehouse)

    response = admin_client.post(f"{URL}{transfer['id']}/{then}/")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert Transfer.objects.get().status == status_after_first
    assert on_hand(variant, warehouse) == stock_after_first


@pytest.mark.parametrize(
    ("who", "source_own", "expected"),
    [
        ("admin", False, 201),
        ("manager", True, 201),
        ("manager", False, 403),
        ("staff", True, 403),
        ("viewer", True, 403),
    ],
)
def test_who_may_request_a_transfer(
    request, client_for, variant, warehouse, other_warehouse, who, source_own, expected
):
    source, destination = (warehouse, other_warehouse) if source_own else (other_warehouse, warehouse)
    client = client_for(request.getfixturevalue(who))

    response = client.post(
        URL,
        {
            "source_warehouse": source.pk,
            "destination_warehouse": destination.pk,
            "items": [{"variant": variant.pk, "quantity": 1}],
        },
    )

    assert response.status_code == expected, response.content
    assert Transfer.objects.count() == (1 if expected == 201 else 0)


@pytest.mark.parametrize("action", ["approve", "reject"])
@pytest.mark.parametrize("who", ["manager", "staff", "viewer"])
def test_only_admins_approve_or_reject(request, client_for, request_transfer, variant, warehouse, action, who):
    put_stock(variant, warehouse, 10)
    transfer = request_transfer()

    response = client_for(request.getfixturevalue(who)).post(f"{URL}{transfer['id']}/{action}/")

    assert response.status_code == 403
    assert Transfer.objects.get().status == TransferStatus.REQUESTED
    assert on_hand(variant, warehouse) == 10


def test_a_manager_cannot_cancel_someone_elses_transfer(client_for, org, request_transfer, warehouse):
    from core.roles import Role
    from tests.users.factories import UserFactory

    other_manager = UserFactory(organization=org, role=Role.MANAGER, warehouses=[warehouse])
    transfer = request_transfer()  # by the admin

    response = client_for(other_manager).post(f"{URL}{transfer['id']}/cancel/")

    assert response.status_code == 403
    assert Transfer.objects.get().status == TransferStatus.REQUESTED


def test_an_admin_can_cancel_a_managers_transfer(admin_client, manager, request_transfer):
    transfer = request_transfer(by=manager)

    response = admin_client.post(f"{URL}{transfer['id']}/cancel/")

    assert (response.status_code, response.json()["status"]) == (200, "cancelled")


def test_another_organizations_transfer_is_404_for_every_action(client_for, other_admin, request_transfer):
    transfer = request_transfer()

    for action in ("approve", "reject", "cancel"):
        response = client_for(other_admin).post(f"{URL}{transfer['id']}/{action}/")
        assert response.status_code == 404

    assert Transfer.objects.get().status == TransferStatus.REQUESTED


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"destination_warehouse": "SOURCE"}, "destination_warehouse"),
        ({"items": []}, "items"),
        ({"items": [{"variant": "V", "quantity": 0}]}, "items.0.quantity"),
        ({"items": [{"variant": "V", "quantity": -3}]}, "items.0.quantity"),
        ({"items": [{"variant": "V", "quantity": 1_000_001}]}, "items.0.quantity"),
        ({"items": [{"variant": "V", "quantity": 1}, {"variant": "V", "quantity": 10**20}]}, "items.1.quantity"),
        ({"items": [{"variant": "FOREIGN", "quantity": 1}]}, "items.0.variant"),
        ({"items": [{"sku": "NOPE", "quantity": 1}]}, "items.0.sku"),
        ({"items": [{"quantity": 1}]}, "items.0.variant"),
        ({"source_warehouse": "FOREIGN"}, "source_warehouse"),
        ({"destination_warehouse": None}, "destination_warehouse"),
    ],
)
def test_bad_input_is_400_with_the_field_named_and_creates_nothing(
    admin_client, variant, foreign_variant, warehouse, other_warehouse, foreign_warehouse, change, field
):
    ids = {"V": variant.pk, "FOREIGN": foreign_variant.pk, "SOURCE": warehouse.pk}
    body = {
        "source_warehouse": warehouse.pk,
        "destination_warehouse": other_warehouse.pk,
        "items": [{"variant": variant.pk, "quantity": 1}],
        **change,
    }
    if body["source_warehouse"] == "FOREIGN":
        body["source_warehouse"] = foreign_warehouse.pk
    if body["destination_warehouse"] == "SOURCE":
        body["destination_warehouse"] = warehouse.pk
    if body["destination_warehouse"] is None:
        del body["destination_warehouse"]
    body["items"] = [
        {key: ids.get(value, value) if key == "variant" else value for key, value in item.items()}
        for item in body["items"]
    ]

    response = admin_client.post(URL, body)

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert not Transfer.objects.exists()


def test_transfers_filter_by_status_and_either_warehouse(
    viewer_client, admin_client, org, request_transfer, variant, warehouse, other_warehouse
):
    from tests.warehouses.factories import WarehouseFactory

    third = WarehouseFactory(organization=org)
    outgoing = request_transfer()  # Main → Annex
    incoming = request_transfer(source=third, destination=warehouse)
    elsewhere = request_transfer(source=third, destination=other_warehouse)
    admin_client.post(f"{URL}{elsewhere['id']}/reject/")

    def ids(**params):
        return {row["id"] for row in viewer_client.get(URL, params).json()["results"]}

    assert ids(warehouse=warehouse.pk) == {outgoing["id"], incoming["id"]}
    assert ids(status="rejected") == {elsewhere["id"]}
    assert ids(status="requested", warehouse=third.pk) == {incoming["id"]}


def test_transfer_list_runs_the_same_queries_for_5_and_100_rows(viewer_client, admin, org, warehouse, other_warehouse):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from stock.services import TransferLine, transfer_request

    for _ in range(100):
        transfer_request(
            by=admin,
            source_warehouse=warehouse,
            destination_warehouse=other_warehouse,
            items=[
                TransferLine(VariantFactory(organization=org), 1),
                TransferLine(VariantFactory(organization=org), 2),
            ],
        )

    counts = []
    for size in (5, 100):
        with CaptureQueriesContext(connection) as captured:
            response = viewer_client.get(URL, {"page_size": size})
        assert len(response.json()["results"]) == size
        counts.append(len(captured))

    assert counts[0] == counts[1]
