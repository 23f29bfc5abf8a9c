"""What stock a purchase order put in, read straight from the ledger tables."""

from django.db.models import Sum

from stock.models import StockLevel, StockMovement


def on_hand(variant, warehouse) -> int:
    level = StockLevel.objects.filter(variant=variant, warehouse=warehouse).first()
    return level.quantity if level else 0


def purchase_movements(order):
    return StockMovement.objects.filter(reference_type="purchase_order", reference_id=order.pk).order_by("id")


def assert_levels_match_movements(organization) -> None:
    """quantity == Σ IN − Σ OUT for every level, and each movement's balance_after is its running balance."""
    for level in StockLevel.objects.filter(organization=organization):
        movements = StockMovement.objects.filter(variant=level.variant_id, warehouse=level.warehouse_id)
        totals = dict(
            movements.values("movement_type").annotate(total=Sum("quantity")).values_list("movement_type", "total")
        )
        assert level.quantity == totals.get("IN", 0) - totals.get("OUT", 0), level
        running = 0
        for movement in movements.order_by("id"):
            running += movement.quantity if movement.movement_type == "IN" else -movement.quantity
            assert movement.balance_after == running, movement
