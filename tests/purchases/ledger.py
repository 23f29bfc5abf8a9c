"""What stock a purchase order put in, read straight from the ledger tables."""

from stock.models import StockLevel, StockMovement


def on_hand(variant, warehouse) -> int:
    level = StockLevel.objects.filter(variant=variant, warehouse=warehouse).first()
    return level.quantity if level else 0


def purchase_movements(order):
    return StockMovement.objects.filter(reference_type="purchase_order", reference_id=order.pk).order_by("id")
