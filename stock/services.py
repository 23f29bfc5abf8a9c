"""The stock ledger: the one module that changes stock.

Every change of a `StockLevel.quantity` in the code base goes through `stock_apply` (or its thin wrappers), which
runs in one transaction, locks the affected levels in primary-key order, checks every line before writing any,
and writes one `StockMovement` per line with the balance right after it. Callers lock their own document row
(order, transfer) *before* calling here, and call here once per transaction, so locks are always taken in the
order document → levels.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalog.models import Variant
from core.cache import bump_stock_generation
from stock.exceptions import InsufficientStock
from stock.models import MovementType, Reason, StockLevel, StockMovement


@dataclass(frozen=True)
class StockChange:
    """A signed change of one level: `quantity` > 0 adds stock, < 0 removes it."""

    variant_id: int
    warehouse_id: int
    quantity: int
    unit_cost: Decimal | None = None

    @property
    def key(self) -> tuple[int, int]:
        return (self.variant_id, self.warehouse_id)


@dataclass(frozen=True)
class Reference:
    """What caused a movement, e.g. `Reference("sales_order", 12)`."""

    type: str
    id: int


@transaction.atomic
def stock_apply(
    *,
    organization_id: int,
    changes: Sequence[StockChange],
    reason: Reason | str,
    by=None,
    reference: Reference | None = None,
    note: str = "",
) -> list[StockMovement]:
    """Apply signed changes all or nothing; return the movements in line order.

    Locks every affected level (`SELECT ... FOR UPDATE` in pk order), checks that no level would go below zero at
    any point, then writes. Raises `InsufficientStock` naming every short (variant, warehouse) and changes nothing.
    """
    if not changes:
        return []
    for change in changes:
        if not isinstance(change.quantity, int) or change.quantity == 0:
            raise ValueError(f"A stock change must be a non-zero integer, got {change.quantity!r}.")

    levels = _levels_locked(organization_id, {change.key for change in changes})
    _check_sufficient(changes, levels)

    costs = _current_costs({change.variant_id for change in changes if change.unit_cost is None})
    now = timezone.now()
    movements = []
    for change in changes:
        level = levels[change.key]
        level.quantity += change.quantity
        movements.append(
            StockMovement(
                organization_id=organization_id,
                variant_id=change.variant_id,
                warehouse_id=change.warehouse_id,
                movement_type=MovementType.IN if change.quantity > 0 else MovementType.OUT,
                reason=reason,
                quantity=abs(change.quantity),
                balance_after=level.quantity,
                unit_cost=change.unit_cost if change.unit_cost is not None else costs.get(change.variant_id),
                reference_type=reference.type if reference else "",
                reference_id=reference.id if reference else None,
                performed_by=by,
                note=note,
            )
        )
    for level in levels.values():
        level.updated_at = now
    StockLevel.objects.bulk_update(list(levels.values()), ["quantity", "updated_at"])
    created = StockMovement.objects.bulk_create(movements)
    transaction.on_commit(lambda: bump_stock_generation(organization_id))
    return created


def stock_add(*, organization_id: int, changes: Sequence[StockChange], **kwargs) -> list[StockMovement]:
    """Add stock (every change must be positive)."""
    if any(change.quantity <= 0 for change in changes):
        raise ValueError("stock_add takes positive quantities.")
    return stock_apply(organization_id=organization_id, changes=changes, **kwargs)


def stock_remove(*, organization_id: int, changes: Sequence[StockChange], **kwargs) -> list[StockMovement]:
    """Remove stock; `changes` carry positive quantities to take out. All or nothing."""
    if any(change.quantity <= 0 for change in changes):
        raise ValueError("stock_remove takes positive quantities.")
    negated = [StockChange(c.variant_id, c.warehouse_id, -c.quantity, c.unit_cost) for c in changes]
    return stock_apply(organization_id=organization_id, changes=negated, **kwargs)


def _levels_locked(organization_id: int, keys: set[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    """Return the levels for `keys`, locked in pk order, creating missing ones safely under concurrency."""
    match = Q()
    for variant_id, warehouse_id in keys:
        match |= Q(variant_id=variant_id, warehouse_id=warehouse_id)
    existing = set(StockLevel.objects.filter(match).values_list("variant_id", "warehouse_id"))
    missing = sorted(keys - existing)
    if missing:
        # ON CONFLICT DO NOTHING: a concurrent creator wins and we lock its row below. Sorted inserts keep two
        # creators of the same rows from waiting on each other in opposite order.
        StockLevel.objects.bulk_create(
            [StockLevel(organization_id=organization_id, variant_id=v, warehouse_id=w) for v, w in missing],
            ignore_conflicts=True,
        )
    # list() evaluates the queryset: an unevaluated select_for_update takes no lock.
    locked = list(StockLevel.objects.select_for_update(of=("self",)).filter(match).order_by("pk"))
    return {(level.variant_id, level.warehouse_id): level for level in locked}


def _check_sufficient(changes: Sequence[StockChange], levels: dict[tuple[int, int], StockLevel]) -> None:
    """Walk the changes in order; a level that would dip below zero at any point is short."""
    running = {key: level.quantity for key, level in levels.items()}
    requested: dict[tuple[int, int], int] = {}
    short: set[tuple[int, int]] = set()
    for change in changes:
        running[change.key] += change.quantity
        if change.quantity < 0:
            requested[change.key] = requested.get(change.key, 0) - change.quantity
        if running[change.key] < 0:
            short.add(change.key)
    if not short:
        return
    skus = dict(Variant.objects.filter(pk__in={key[0] for key in short}).values_list("pk", "sku"))
    lines = [
        {
            "variant": variant_id,
            "sku": skus.get(variant_id, ""),
            "warehouse": warehouse_id,
            "requested": requested.get((variant_id, warehouse_id), 0),
            "available": levels[(variant_id, warehouse_id)].quantity,
        }
        for variant_id, warehouse_id in sorted(short)
    ]
    raise InsufficientStock(lines)


def _current_costs(variant_ids: set[int]) -> dict[int, Decimal]:
    if not variant_ids:
        return {}
    return dict(Variant.objects.filter(pk__in=variant_ids).values_list("pk", "cost"))
