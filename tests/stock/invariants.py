"""The ledger invariant, checked from the raw tables, for any test that moves stock.

Written independently of `stock.selectors` (which `check_stock_integrity` uses), so a bug there cannot hide a bug
in the ledger.
"""

from catalog.models import Product
from stock.models import MovementType, StockLevel, StockMovement, StockReservation


def ledger_problems(organization=None) -> list[str]:
    """Every way the tables break the invariant; empty when consistent."""
    levels = StockLevel.objects.all()
    movements = StockMovement.objects.all()
    if organization is not None:
        levels = levels.filter(organization=organization)
        movements = movements.filter(organization=organization)
    problems = []
    running: dict[tuple[int, int], int] = {}
    for movement in movements.order_by("id").iterator():
        key = (movement.variant_id, movement.warehouse_id)
        if movement.quantity <= 0:
            problems.append(f"movement {movement.pk} is of {movement.quantity} units")
        signed = movement.quantity if movement.movement_type == MovementType.IN else -movement.quantity
        running[key] = running.get(key, 0) + signed
        if running[key] < 0:
            problems.append(f"{key} goes negative ({running[key]}) at movement {movement.pk}")
        if movement.balance_after != running[key]:
            problems.append(
                f"movement {movement.pk} {key}: balance_after {movement.balance_after}, running sum {running[key]}"
            )
    held: dict[int, int] = {}
    reservations = StockReservation.objects.all()
    if organization is not None:
        reservations = reservations.filter(organization=organization)
    for reservation in reservations:
        if not 0 <= reservation.quantity <= reservation.requested:
            problems.append(f"reservation {reservation.pk} holds {reservation.quantity} of {reservation.requested}")
        held[reservation.level_id] = held.get(reservation.level_id, 0) + reservation.quantity
    for level in levels.select_related("variant").order_by("id"):
        key = (level.variant_id, level.warehouse_id)
        expected = running.pop(key, 0)
        if level.quantity < 0:
            problems.append(f"level {level.pk} {key} is negative: {level.quantity}")
        if level.quantity != expected:
            problems.append(f"level {level.pk} {key} holds {level.quantity}, its movements add up to {expected}")
        effective = (
            level.variant.reorder_level if level.reorder_level_override is None else level.reorder_level_override
        )
        if level.reorder_level != effective:
            problems.append(f"level {level.pk} {key} keeps reorder level {level.reorder_level}, effective {effective}")
        if not 0 <= level.reserved <= level.quantity:
            problems.append(f"level {level.pk} {key} reserves {level.reserved} of {level.quantity} units")
        if level.reserved != held.pop(level.pk, 0):
            problems.append(f"level {level.pk} {key} records {level.reserved} reserved, its reservations differ")
    for level_id in held:
        problems.append(f"reservations of level {level_id} are outside the organization's levels")
    for key, total in running.items():
        problems.append(f"movements of {key} add up to {total} but there is no level row")
    products = Product.objects.all() if organization is None else Product.objects.filter(organization=organization)
    totals: dict[int, int] = {}
    for product_id, quantity in levels.values_list("variant__product_id", "quantity"):
        totals[product_id] = totals.get(product_id, 0) + quantity
    for product in products.order_by("id"):
        if product.stock_quantity != totals.get(product.pk, 0):
            problems.append(
                f"product {product.pk} records stock_quantity {product.stock_quantity}, "
                f"its levels add up to {totals.get(product.pk, 0)}"
            )
    return problems


def assert_ledger_consistent(organization=None) -> None:
    """For every (variant, warehouse): quantity == Σ IN − Σ OUT, quantity >= 0, and each movement's balance_after
    is the running sum of the movements up to it; every level keeps its effective reorder level and reserves the sum
    of its reservations, within 0..quantity; every product's stock_quantity is the sum of its levels.
    """
    problems = ledger_problems(organization)
    assert not problems, "Ledger inconsistent:\n  " + "\n  ".join(problems)
