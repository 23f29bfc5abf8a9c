"""The workflow kit: declared transitions, the row lock, targeted saves, numbers, references, after-commit events."""

import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction

from core.exceptions import InvalidTransition
from core.models import OutboxEvent
from core.workflow import Reference, Workflow
from purchases.models import PURCHASE_ORDER_WORKFLOW, PurchaseOrderStatus
from sales.models import SALES_ORDER_WORKFLOW, SalesOrderStatus
from sales.notifications import REQUEST_DECIDED
from stock.models import TRANSFER_WORKFLOW, ReferenceType, StockMovement, Transfer, TransferStatus
from stock.services import transfer_approve
from tests.catalog.factories import VariantFactory
from tests.purchases.factories import PurchaseOrderFactory
from tests.sales.factories import SalesOrderFactory
from tests.stock.factories import TransferFactory
from tests.stock.helpers import put_stock

WORKFLOWS = [TRANSFER_WORKFLOW, PURCHASE_ORDER_WORKFLOW, SALES_ORDER_WORKFLOW]
T = TransferStatus
FINAL = (T.COMPLETED, T.REJECTED, T.CANCELLED)


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda w: w.model.__name__)
def test_every_document_declares_each_status_once_with_its_own_number_prefix_and_reference_type(workflow):
    statuses = {value for value, _ in workflow.model._meta.get_field("status").choices}

    assert set(workflow.transitions) == statuses
    assert all(targets <= statuses for targets in workflow.transitions.values())
    assert workflow.reference_type in ReferenceType.values


def test_the_documents_have_distinct_prefixes_and_reference_types():
    assert len({w.number_prefix for w in WORKFLOWS}) == len({w.reference_type for w in WORKFLOWS}) == 3


@pytest.mark.parametrize(
    "transitions",
    [
        {T.REQUESTED: frozenset({"shipped"}), **{status: frozenset() for status in FINAL}},
        {T.REQUESTED: frozenset({T.COMPLETED}), T.COMPLETED: frozenset()},  # two statuses left out
    ],
    ids=["unknown status", "missing status"],
)
def test_a_table_that_does_not_match_the_model_is_refused_when_declared(transitions):
    with pytest.raises(ImproperlyConfigured):
        Workflow(model=Transfer, transitions=transitions, number_prefix="X", reference_type="x")


@pytest.mark.django_db
@pytest.mark.parametrize("status", [T.COMPLETED, T.REJECTED, T.CANCELLED])
def test_a_move_the_table_does_not_allow_is_refused_with_the_current_status(status):
    transfer = TransferFactory(status=status)

    with pytest.raises(InvalidTransition) as refused:
        TRANSFER_WORKFLOW.ensure_move(transfer, T.CANCELLED)

    assert refused.value.extra == {"current_status": status, "requested_status": T.CANCELLED}
    assert refused.value.status_code == 409


@pytest.mark.django_db
def test_move_saves_the_status_and_the_named_fields_only(admin):
    transfer = TransferFactory(note="before")
    Transfer.objects.filter(pk=transfer.pk).update(note="changed meanwhile")

    with transaction.atomic():
        moved = TRANSFER_WORKFLOW.move(TRANSFER_WORKFLOW.locked(transfer), T.REJECTED, decided_by=admin)

    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by, transfer.note) == (T.REJECTED, admin, "changed meanwhile")
    assert moved.note == "changed meanwhile"  # locked() re-read the row


@pytest.mark.django_db
def test_move_refuses_before_changing_anything(admin):
    transfer = TransferFactory(status=T.COMPLETED)

    with pytest.raises(InvalidTransition):
        TRANSFER_WORKFLOW.move(transfer, T.REQUESTED, decided_by=admin)

    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by) == (T.COMPLETED, None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_locked_really_takes_the_row_lock_until_the_transaction_ends():
    transfer = TransferFactory()
    outcome = []

    def try_to_lock():
        try:
            with transaction.atomic():
                list(Transfer.objects.select_for_update(nowait=True).filter(pk=transfer.pk))
            outcome.append("locked")
        except DatabaseError:
            outcome.append("refused")
        finally:
            connection.close()

    with transaction.atomic():
        TRANSFER_WORKFLOW.locked(transfer)
        other = threading.Thread(target=try_to_lock)
        other.start()
        other.join()
    after = threading.Thread(target=try_to_lock)
    after.start()
    after.join()

    assert outcome == ["refused", "locked"]


@pytest.mark.django_db
def test_numbers_follow_the_declared_prefix_per_organization(org, other_org):
    with transaction.atomic():
        numbers = [PURCHASE_ORDER_WORKFLOW.next_number(organization_id=org.pk) for _ in range(2)]
        numbers.append(PURCHASE_ORDER_WORKFLOW.next_number(organization_id=other_org.pk))
        numbers.append(SALES_ORDER_WORKFLOW.next_number(organization_id=org.pk))

    assert numbers == ["PO-00001", "PO-00002", "PO-00001", "SO-00001"]


@pytest.mark.django_db
def test_the_movements_of_each_document_carry_its_declared_reference(admin, org, warehouse, other_warehouse):
    variant = VariantFactory(organization=org)
    put_stock(variant, warehouse, 5)
    transfer = TransferFactory(
        organization=org, source_warehouse=warehouse, destination_warehouse=other_warehouse, items=0
    )
    transfer.items.create(variant=variant, quantity=2)

    transfer_approve(transfer=transfer, by=admin)

    movements = StockMovement.objects.filter(reference_id=transfer.pk, reference_type=ReferenceType.TRANSFER)
    assert movements.count() == 2
    assert TRANSFER_WORKFLOW.reference(transfer) == Reference("transfer", transfer.pk)


@pytest.mark.django_db
def test_after_commit_writes_an_outbox_event_naming_the_document(org):
    order = SalesOrderFactory(organization=org)

    with transaction.atomic():
        event = SALES_ORDER_WORKFLOW.after_commit(order, REQUEST_DECIDED, approved=True)

    assert OutboxEvent.objects.get() == event
    assert (event.payload, event.organization_id) == ({"id": order.pk, "approved": True}, org.pk)


# --- Through the API: one error body for every document ---------------------------------------------------------


@pytest.mark.django_db
def test_a_second_approval_of_a_transfer_answers_409_with_the_current_status(admin_client, org, warehouse):
    transfer = TransferFactory(organization=org, status=T.COMPLETED)

    response = admin_client.post(f"/api/transfers/{transfer.pk}/approve/")

    assert response.status_code == 409
    body = response.json()
    assert (body["status"], body["code"]) == (409, "invalid_transition")
    assert (body["current_status"], body["requested_status"]) == ("completed", "completed")


@pytest.mark.django_db
def test_a_purchase_order_move_backwards_answers_409_with_the_current_status(admin_client, org):
    order = PurchaseOrderFactory(organization=org, status=PurchaseOrderStatus.RECEIVED)

    response = admin_client.patch(f"/api/purchase-orders/{order.pk}/", {"status": "submitted"}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["current_status"], body["requested_status"]) == (
        "invalid_transition",
        "received",
        "submitted",
    )


@pytest.mark.django_db
def test_a_sales_order_move_backwards_answers_409_with_the_current_status(admin_client, org, warehouse):
    order = SalesOrderFactory(organization=org, warehouse=warehouse, status=SalesOrderStatus.CANCELLED)

    response = admin_client.post(f"/api/sales-orders/{order.pk}/fulfill/")

    assert response.status_code == 409
    assert (response.json()["current_status"], response.json()["requested_status"]) == ("cancelled", "fulfilled")
