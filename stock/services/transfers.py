"""Transfers between two warehouses of an organization: requested, then approved (stock moves), rejected or
cancelled. The transfer row is locked before the ledger locks its levels (document → levels → products).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from catalog.models import Variant
from core.exceptions import InvalidInput, NotPermitted, WrongOrganization
from core.permissions import ensure_role, ensure_warehouse_access
from core.roles import ADMIN_MANAGER, ADMIN_ONLY, Role
from stock.models import TRANSFER_WORKFLOW, Reason, Transfer, TransferItem, TransferStatus
from stock.services.ledger import StockChange, stock_apply
from warehouses.models import Warehouse


@dataclass(frozen=True)
class TransferLine:
    variant: Variant
    quantity: int


def transfer_request(
    *,
    by,
    source_warehouse: Warehouse,
    destination_warehouse: Warehouse,
    items: Sequence[TransferLine],
    note: str = "",
) -> Transfer:
    """Request a transfer (admin; manager from an own source warehouse). Moves nothing until approved."""
    ensure_role(by, ADMIN_MANAGER, "Only admins and managers can request transfers.")
    ensure_warehouse_access(by, [source_warehouse])
    if source_warehouse.pk == destination_warehouse.pk:
        raise InvalidInput({"destination_warehouse": ["The destination must differ from the source."]})
    if not items:
        raise InvalidInput({"items": ["A transfer needs at least one item."]})
    organization_id = by.organization_id
    for obj in (source_warehouse, destination_warehouse, *(line.variant for line in items)):
        if obj.organization_id != organization_id:
            raise WrongOrganization("Every warehouse and variant must be in your organization.")
    with transaction.atomic():
        transfer = Transfer.objects.create(
            organization_id=organization_id,
            number=TRANSFER_WORKFLOW.next_number(organization_id=organization_id),
            source_warehouse=source_warehouse,
            destination_warehouse=destination_warehouse,
            note=note,
            requested_by=by,
        )
        TransferItem.objects.bulk_create(
            [TransferItem(transfer=transfer, variant=line.variant, quantity=line.quantity) for line in items]
        )
    return transfer


def _ensure_move(transfer: Transfer, target: TransferStatus, verb: str) -> None:
    TRANSFER_WORKFLOW.ensure_move(transfer, target, f"A {transfer.status} transfer cannot be {verb}.")


def _decide(transfer: Transfer, target: TransferStatus, by) -> Transfer:
    return TRANSFER_WORKFLOW.move(transfer, target, decided_by=by, decided_at=timezone.now())


@transaction.atomic
def transfer_approve(*, transfer: Transfer, by) -> Transfer:
    """Approve a requested transfer and move its stock, all or nothing, exactly once (admin).

    The transfer row is locked first and its status read under the lock, so concurrent approvals queue up and all
    but the first see `completed` (409 `invalid_transition`). Short stock raises `InsufficientStock`; the transfer
    stays requested.
    """
    ensure_role(by, ADMIN_ONLY, "Only admins can approve transfers.")
    transfer = TRANSFER_WORKFLOW.locked(transfer)
    _ensure_move(transfer, TransferStatus.COMPLETED, "approved")
    items = list(transfer.items.order_by("id"))
    changes = []
    for item in items:
        changes.append(StockChange(item.variant_id, transfer.source_warehouse_id, -item.quantity))
        changes.append(StockChange(item.variant_id, transfer.destination_warehouse_id, item.quantity))
    stock_apply(
        organization_id=transfer.organization_id,
        changes=changes,
        reason=Reason.TRANSFER,
        by=by,
        reference=TRANSFER_WORKFLOW.reference(transfer),
        note=transfer.note,
    )
    return _decide(transfer, TransferStatus.COMPLETED, by)


@transaction.atomic
def transfer_reject(*, transfer: Transfer, by) -> Transfer:
    """Reject a requested transfer (admin). Moves nothing."""
    ensure_role(by, ADMIN_ONLY, "Only admins can reject transfers.")
    transfer = TRANSFER_WORKFLOW.locked(transfer)
    _ensure_move(transfer, TransferStatus.REJECTED, "rejected")
    return _decide(transfer, TransferStatus.REJECTED, by)


@transaction.atomic
def transfer_cancel(*, transfer: Transfer, by) -> Transfer:
    """Withdraw a requested transfer (its requester, or an admin). Moves nothing."""
    transfer = TRANSFER_WORKFLOW.locked(transfer)
    if by.role != Role.ADMIN and transfer.requested_by_id != by.pk:
        raise NotPermitted("Only the requester or an admin can cancel a transfer.")
    _ensure_move(transfer, TransferStatus.CANCELLED, "cancelled")
    return _decide(transfer, TransferStatus.CANCELLED, by)
