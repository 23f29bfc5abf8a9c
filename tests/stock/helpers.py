"""Putting stock where a test needs it, through the ledger (never by writing a quantity)."""

from stock.models import Reason, StockLevel
from stock.services import StockChange, stock_add


def put_stock(variant, warehouse, quantity: int, *, by=None, reason=Reason.OPENING):
    """Add `quantity` units of `variant` at `warehouse` through the ledger; returns the movement."""
    [movement] = stock_add(
        organization_id=variant.organization_id,
        changes=[StockChange(variant.pk, warehouse.pk, quantity)],
        reason=reason,
        by=by,
    )
    return movement


def on_hand(variant, warehouse) -> int:
    level = StockLevel.objects.filter(variant=variant, warehouse=warehouse).first()
    return level.quantity if level else 0
