"""Manual stock changes: an adjustment (a signed change or a physical count), each one ledger call."""

from django.db import transaction

from catalog.models import Variant
from core.exceptions import InvalidInput
from core.kept_writes import kept_insert, kept_update
from core.permissions import ensure_role, ensure_warehouse_access
from core.roles import ADMIN_MANAGER_STAFF
from stock.models import AdjustmentReason, MovementType, ReferenceType, StockAdjustment
from stock.services.ledger import Reference, StockChange, stock_apply, stock_set_counted
from warehouses.models import Warehouse


def stock_adjustment_create(
    *,
    by,
    variant: Variant,
    warehouse: Warehouse,
    quantity: int | None = None,
    counted_quantity: int | None = None,
    reason: AdjustmentReason | str = AdjustmentReason.ADJUSTMENT,
    note: str = "",
) -> StockAdjustment:
    """Record a manual change: a signed `quantity`, or a `counted_quantity` the level is brought to.

    Units promised to pending orders may be taken (the newest reservations shrink); incoming units top up short
    ones. Admins adjust any warehouse of their organization; managers and staff their own (403 otherwise). A result
    below zero raises `InsufficientStock` and records nothing.
    """
    ensure_role(by, ADMIN_MANAGER_STAFF)
    ensure_warehouse_access(by, [warehouse])
    if (quantity is None) == (counted_quantity is None):
        raise InvalidInput({"non_field_errors": ["Give either quantity or counted_quantity."]})
    if variant.organization_id != by.organization_id or warehouse.organization_id != by.organization_id:
        raise InvalidInput({"non_field_errors": ["The variant and warehouse must be in your organization."]})
    organization_id = by.organization_id
    with transaction.atomic():
        [adjustment] = kept_insert(
            [
                StockAdjustment(
                    organization_id=organization_id,
                    variant=variant,
                    warehouse=warehouse,
                    quantity=quantity or 0,
                    counted_quantity=counted_quantity,
                    reason=reason,
                    note=note,
                    performed_by=by,
                )
            ]
        )
        movement = _apply(adjustment, quantity=quantity, counted_quantity=counted_quantity, by=by)
        if movement is not None:
            # The response shows the movement with these: no need to read them back.
            movement.variant, movement.warehouse, movement.performed_by = variant, warehouse, by
            adjustment.movement = movement
            adjustment.quantity = (
                movement.quantity if movement.movement_type == MovementType.IN else -movement.quantity
            )
            kept_update(StockAdjustment, adjustment.pk, movement=movement, quantity=adjustment.quantity)
    return adjustment


def _apply(adjustment: StockAdjustment, *, quantity: int | None, counted_quantity: int | None, by):
    """The adjustment's one ledger call: the movement it made, or None for a count that found the level right."""
    reference = Reference(ReferenceType.ADJUSTMENT, adjustment.pk)
    if counted_quantity is not None:
        return stock_set_counted(
            organization_id=adjustment.organization_id,
            variant_id=adjustment.variant_id,
            warehouse_id=adjustment.warehouse_id,
            counted_quantity=counted_quantity,
            reason=adjustment.reason,
            by=by,
            reference=reference,
            note=adjustment.note,
        )
    [movement] = stock_apply(
        organization_id=adjustment.organization_id,
        changes=[
            StockChange(adjustment.variant_id, adjustment.warehouse_id, quantity, unit_cost=adjustment.variant.cost)
        ],
        reason=adjustment.reason,
        by=by,
        reference=reference,
        note=adjustment.note,
        takes_reserved=True,  # an adjustment records reality; the newest reservations shrink to fit
    )
    return movement
