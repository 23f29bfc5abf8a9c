"""Transfers between two warehouses of an organization: requested, then approved (stock moves), rejected or
cancelled. The transfer row is locked before the ledger locks its levels (document → levels → products).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied, ValidationError

from catalog.models import Variant
from core.exceptions import InvalidTransition
from core.numbering import next_number
from core.permissions import ensure_role, ensure_warehouse_access
from core.roles import ADMIN_MANAGER, ADMIN_ONLY, Role
from stock.models import Reason, Transfer, TransferItem, TransferStatus
from stock.services.ledger import Reference, StockChange, stock_apply
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
        raise ValidationError({"destination_warehouse": ["The destination must differ from the source."]})
    if not items:
        raise ValidationError({"items": ["A transfer needs at least one item."]})
    organization_id = by.organization_id
    for obj in (source_warehouse, destination_warehouse, *(line.variant for line in items)):
        if obj.organization_id != organization_id:
            raise ValidationError({"non_field_errors": ["Every warehouse and variant must be in your organization."]})
    with transaction.atomic():
        transfer = Transfer.objects.create(
            organization_id=organization_id,
            number=next_number(organization_id=organization_id, prefix="TR"),
            source_warehouse=source_warehouse,
            destination_warehouse=destination_warehouse,
            note=note,
            requested_by=by,
        )
        TransferItem.objects.bulk_create(
            [TransferItem(transfer=transfer, variant=line.variant, quantity=line.quantity) for line in items]
        )
    return transfer


def _transfer_locked(transfer: Transfer) -> Transfer:
    # .get() evaluates the query, so the row lock is really taken; every decision below reads the locked row.
    return Transfer.objects.select_for_update(of=("self",)).get(pk=transfer.pk)


def _ensure_requested(transfer: Transfer, verb: str) -> None:
    if transfer.status != TransferStatus.REQUESTED:
        raise InvalidTransition(f"A {transfer.status} transfer cannot be {verb}.", current_status=transfer.status)


@transaction.atomic
def transfer_approve(*, transfer: Transfer, by) -> Transfer:
    """Approve a requested transfer and move its stock, all or nothing, exactly once (admin).

    The transfer row is locked first and its status read under the lock, so concurrent approvals queue up and all
    but the first see `completed` (409 `invalid_transition`). Short stock raises `InsufficientStock`; the transfer
    stays requested.
    """
    ensure_role(by, ADMIN_ONLY, "Only admins can approve transfers.")
    transfer = _transfer_locked(transfer)
    _ensure_requested(transfer, "approved")
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
        reference=Reference("transfer", transfer.pk),
        note=transfer.note,
    )
    return _transfer_decide(transfer, TransferStatus.COMPLETED, by)


@transaction.atomic
def transfer_reject(*, transfer: Transfer, by) -> Transfer:
    """Reject a requested transfer (admin). Moves nothing."""
    ensure_role(by, ADMIN_ONLY, "Only admins can reject transfers.")
    transfer = _transfer_locked(transfer)
    _ensure_requested(transfer, "rejected")
    return _transfer_decide(transfer, TransferStatus.REJECTED, by)


@transaction.atomic
def transfer_cancel(*, transfer: Transfer, by) -> Transfer:
    """Withdraw a requested transfer (its requester, or an admin). Moves nothing."""
    transfer = _transfer_locked(transfer)
    if by.role != Role.ADMIN and transfer.requested_by_id != by.pk:
        raise PermissionDenied("Only the requester or an admin can cancel a transfer.")
    _ensure_requested(transfer, "cancelled")
    return _transfer_decide(transfer, TransferStatus.CANCELLED, by)


def _transfer_decide(transfer: Transfer, status: TransferStatus, by) -> Transfer:
    transfer.status = status
    transfer.decided_by = by
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    return transfer
