"""The ledger: `stock_apply` and its wrappers, the one code path that changes stock.

Every change of a `StockLevel.quantity` in the code base goes through `stock_apply` (or its thin wrappers), which
runs in one transaction, locks the affected levels in primary-key order, checks every line before writing any,
and writes one `StockMovement` per line with the balance right after it. A change of a single level (every
one-line sale or adjustment) takes its lock, check and change in one conditional `UPDATE ... RETURNING`, which is
the same lock taken one round trip sooner. It also keeps each product's `stock_quantity` (the sum of its levels),
whose rows it locks after the levels, in pk order. Callers lock their own document row (order, transfer) *before*
calling here, and call here once per transaction, so locks are always taken in the order document → levels →
products. Reservations (`reserved`, decision 0012) are kept under the same locks by `stock.services.holds`. The
movements' tallies (`stock.kept`, decision 0023), insert-only rows that lock nothing, go in the movements' own
statement (decision 0031). Every level written is marked `totals_stale` in the same UPDATE (decision 0024).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import BigIntegerField, Case, F, Q, Value, When
from django.utils import timezone

from catalog.models import Product, Variant
from core.cache import bump_stock_generation
from core.kept_writes import kept_insert
from core.workflow import Reference
from stock.exceptions import InsufficientStock, StockLimitExceeded
from stock.kept import movement_days_insert
from stock.models import MovementType, Reason, StockLevel, StockMovement
from stock.services import holds
from stock.services.one_level import MAX_STOCK_QUANTITY, change_one_level
from warehouses.models import Warehouse


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


# --- The ledger -----------------------------------------------------------------------------------------------------


def stock_apply(
    *,
    organization_id: int,
    changes: Sequence[StockChange],
    reason: Reason | str,
    by=None,
    reference: Reference | None = None,
    note: str = "",
    takes_reserved: bool = False,
    consumes: Reference | None = None,
) -> list[StockMovement]:
    """Apply signed changes all or nothing, atomically; return the movements in line order.

    Locks every affected level (`SELECT ... FOR UPDATE` in pk order), checks that no level would go below its
    available units (or zero, `takes_reserved`; `consumes`: that document's reserved units count and are used up),
    then writes. Raises `InsufficientStock` naming every short (variant, warehouse) and changes nothing.
    Raises `ValueError` for a malformed change or a variant/warehouse outside the organization (callers validate
    input first; this is the last line of defence, not a user-facing check).

    The atomic blocks here take no savepoint (one round trip less while rows are locked): reads that may refuse
    run before them, and a shortage is raised after the block has closed, having written nothing that matters
    (at most an empty level row), so the caller's transaction stays usable either way.
    """
    if not changes:
        return []
    for change in changes:
        _validate_quantity(change.quantity)
    # Read before locking: the less work done while holding the row locks, the shorter everyone else waits.
    keys = {change.key for change in changes}
    if len(keys) == 1 and consumes is None:
        # An existing level of this organization vouches for its variant and warehouse: only the costs the caller
        # did not give need reading.
        uncosted = {change.variant_id for change in changes if change.unit_cost is None}
        costs = _variants_of(organization_id, uncosted)[0] if uncosted else {}
        with transaction.atomic(savepoint=False):
            movements = _apply_to_one_level(organization_id, changes, costs, reason, by, reference, note)
        if movements is not None:
            return movements
    costs, product_of = _variants_of(organization_id, {change.variant_id for change in changes})
    missing = _missing_levels(organization_id, keys)
    with transaction.atomic(savepoint=False):
        levels = _levels_locked(organization_id, keys, missing)
        own = holds.held_by(consumes, [level.pk for level in levels.values()])
        refusal = _refusal(changes, levels, holds.available_to(levels, own, takes_reserved=takes_reserved))
        if refusal is None:
            return _record(
                organization_id,
                levels,
                changes,
                costs,
                product_of,
                reason=reason,
                by=by,
                reference=reference,
                note=note,
                own=own,
                consumes=consumes,
            )
    raise refusal


def stock_add(*, organization_id: int, changes: Sequence[StockChange], **kwargs) -> list[StockMovement]:
    """Add stock (every change must be positive)."""
    if any(not _is_int(change.quantity) or change.quantity <= 0 for change in changes):
        raise ValueError("stock_add takes positive quantities.")
    return stock_apply(organization_id=organization_id, changes=changes, **kwargs)


def stock_remove(*, organization_id: int, changes: Sequence[StockChange], **kwargs) -> list[StockMovement]:
    """Remove stock; `changes` carry positive quantities to take out. All or nothing."""
    if any(not _is_int(change.quantity) or change.quantity <= 0 for change in changes):
        raise ValueError("stock_remove takes positive quantities.")
    negated = [StockChange(c.variant_id, c.warehouse_id, -c.quantity, c.unit_cost) for c in changes]
    return stock_apply(organization_id=organization_id, changes=negated, **kwargs)


def stock_set_counted(
    *,
    organization_id: int,
    variant_id: int,
    warehouse_id: int,
    counted_quantity: int,
    reason: Reason | str = Reason.ADJUSTMENT,
    by=None,
    reference: Reference | None = None,
    note: str = "",
) -> StockMovement | None:
    """Bring a level to a physically counted quantity; return the movement, or None when the count matched.

    The difference is computed under the level's row lock, so a sale committed between the count being typed and
    this call is not overwritten: the count wins, and the movement records exactly the difference it made.
    """
    if not _is_int(counted_quantity) or not 0 <= counted_quantity <= MAX_STOCK_QUANTITY:
        raise ValueError(f"A counted quantity must be a non-negative integer, got {counted_quantity!r}.")
    costs, product_of = _variants_of(organization_id, {variant_id})
    key = (variant_id, warehouse_id)
    missing = _missing_levels(organization_id, {key})
    with transaction.atomic(savepoint=False):
        levels = _levels_locked(organization_id, {key}, missing)
        delta = counted_quantity - levels[key].quantity
        if delta == 0:
            return None
        changes = [StockChange(variant_id, warehouse_id, delta)]
        [movement] = _record(
            organization_id, levels, changes, costs, product_of, reason=reason, by=by, reference=reference, note=note
        )
    return movement


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _validate_quantity(quantity) -> None:
    if not _is_int(quantity) or quantity == 0 or abs(quantity) > MAX_STOCK_QUANTITY:
        raise ValueError(f"A stock change must be a non-zero integer within the column range, got {quantity!r}.")


def _variants_of(organization_id: int, variant_ids: set[int]) -> tuple[dict[int, Decimal], dict[int, int]]:
    """The current cost and the product of each variant; refuses variants of another organization (or none)."""
    rows = Variant.objects.filter(pk__in=variant_ids, organization_id=organization_id).values_list(
        "pk", "cost", "product_id"
    )
    costs = {pk: cost for pk, cost, _ in rows}
    if len(costs) != len(variant_ids):
        raise ValueError(f"Variants {sorted(variant_ids - costs.keys())} are not in organization {organization_id}.")
    return costs, {pk: product_id for pk, _, product_id in rows}


def _add_to_product_totals(changes: Sequence[StockChange], product_of: dict[int, int]) -> None:
    """Add each product's net change to its `stock_quantity`; called with the levels already locked.

    Several products are locked first, in pk order (an UPDATE takes its row locks in no set order); a product whose
    changes cancel out (a transfer between two warehouses) is not touched at all.
    """
    deltas: dict[int, int] = {}
    for change in changes:
        product_id = product_of[change.variant_id]
        deltas[product_id] = deltas.get(product_id, 0) + change.quantity
    deltas = {product_id: delta for product_id, delta in deltas.items() if delta}
    if not deltas:
        return
    products = Product.objects.filter(pk__in=deltas)
    if len(deltas) > 1:
        list(products.select_for_update().order_by("pk").values_list("pk", flat=True))  # list(): takes the locks
    delta = Case(*(When(pk=pk, then=Value(d)) for pk, d in deltas.items()), output_field=BigIntegerField())
    products.update(stock_quantity=F("stock_quantity") + delta)


def _match(keys) -> Q:
    match = Q()
    for variant_id, warehouse_id in keys:
        match |= Q(variant_id=variant_id, warehouse_id=warehouse_id)
    return match


def _missing_levels(organization_id: int, keys: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """The keys without a level row yet, sorted; refuses warehouses of another organization (reads only)."""
    existing = set(StockLevel.objects.filter(_match(keys)).values_list("variant_id", "warehouse_id"))
    missing = sorted(keys - existing)
    if missing:
        warehouse_ids = {warehouse_id for _, warehouse_id in missing}
        own = Warehouse.objects.filter(pk__in=warehouse_ids, organization_id=organization_id).count()
        if own != len(warehouse_ids):
            raise ValueError(f"Warehouses {sorted(warehouse_ids)} are not all in organization {organization_id}.")
    return missing


def _levels_locked(
    organization_id: int, keys: set[tuple[int, int]], missing: list[tuple[int, int]]
) -> dict[tuple[int, int], StockLevel]:
    """Return the levels for `keys`, locked in pk order, first creating the `missing` ones safely.

    Missing rows are inserted *before* any level is locked, in a fixed (variant, warehouse) order, with
    ON CONFLICT DO NOTHING: a concurrent creator of the same row makes us wait for its commit and then we skip it.
    Because no level lock is held while inserting, an insert can never wait in a cycle with a lock. A new row takes
    its variant's reorder level, read under the variant's row lock (pk order, before any level, as the catalog's
    writes of that reorder level take them), so a change of it cannot commit in between and miss the new row.
    """
    if missing:
        variants = Variant.objects.select_for_update(no_key=True).filter(pk__in={v for v, _ in missing})
        reorder_levels = dict(variants.order_by("pk").values_list("pk", "reorder_level"))
        StockLevel.objects.bulk_create(
            [
                StockLevel(
                    organization_id=organization_id, variant_id=v, warehouse_id=w, reorder_level=reorder_levels[v]
                )
                for v, w in missing
            ],
            ignore_conflicts=True,
        )
    # list() evaluates the queryset: an unevaluated select_for_update takes no lock.
    locked = list(StockLevel.objects.select_for_update(of=("self",)).filter(_match(keys)).order_by("pk"))
    if any(level.organization_id != organization_id for level in locked):
        raise ValueError(f"A stock level of another organization was addressed from organization {organization_id}.")
    return {(level.variant_id, level.warehouse_id): level for level in locked}


def _apply_to_one_level(
    organization_id: int,
    changes: Sequence[StockChange],
    costs: dict[int, Decimal],
    reason,
    by,
    reference: Reference | None,
    note: str,
) -> list[StockMovement] | None:
    """The common case, one level: lock, check and change it in one conditional `UPDATE ... RETURNING`
    (`stock.services.one_level`). Returns None when no row matched (missing, short or overflowing level): the
    general path then creates the row, takes reserved units if allowed, or raises with the details.
    """
    running = lowest = highest = 0
    for change in changes:
        running += change.quantity
        lowest, highest = min(lowest, running), max(highest, running)
    variant_id, warehouse_id = changes[0].key
    now = timezone.now()
    row = change_one_level(
        organization_id, variant_id, warehouse_id, running=running, lowest=lowest, highest=highest, now=now
    )
    if row is None:
        return None
    if running > 0:  # incoming: the level's short reservations, if any, get the free units
        holds.add_reserved(holds.top_up({row[2]: row[0] - row[1]}))
    balance = row[0] - running  # the level just before these changes
    movements = []
    for change in changes:
        balance += change.quantity
        movements.append(_movement(organization_id, change, balance, costs, reason, by, reference, note))
    return _write_movements(organization_id, movements)


def _write_movements(organization_id: int, movements: list[StockMovement]) -> list[StockMovement]:
    """Insert the movements with their day tallies (one statement on PostgreSQL); bump the generation on commit."""
    created = kept_insert(movements, along=lambda written: movement_days_insert(organization_id, written))
    transaction.on_commit(lambda: bump_stock_generation(organization_id))
    return created


def _movement(organization_id, change: StockChange, balance_after: int, costs, reason, by, reference, note):
    return StockMovement(
        organization_id=organization_id,
        variant_id=change.variant_id,
        warehouse_id=change.warehouse_id,
        movement_type=MovementType.IN.value if change.quantity > 0 else MovementType.OUT.value,
        reason=str(reason),
        quantity=abs(change.quantity),
        balance_after=balance_after,
        unit_cost=change.unit_cost if change.unit_cost is not None else costs.get(change.variant_id),
        reference_type=reference.type if reference else "",
        reference_id=reference.id if reference else None,
        performed_by=by,
        note=note,
    )


def _refusal(
    changes: Sequence[StockChange], levels: dict[tuple[int, int], StockLevel], available: dict[tuple[int, int], int]
) -> InsufficientStock | StockLimitExceeded | None:
    """Walk the changes: the error if a level would dip below what this call may take, or overflow, else None."""
    running = dict(available)
    quantities = {key: level.quantity for key, level in levels.items()}
    requested: dict[tuple[int, int], int] = {}
    short: set[tuple[int, int]] = set()
    for change in changes:
        running[change.key] += change.quantity
        quantities[change.key] += change.quantity
        if change.quantity < 0:
            requested[change.key] = requested.get(change.key, 0) - change.quantity
        if running[change.key] < 0:
            short.add(change.key)
        elif quantities[change.key] > MAX_STOCK_QUANTITY:
            return StockLimitExceeded()
    if not short:
        return None
    skus = dict(Variant.objects.filter(pk__in={key[0] for key in short}).values_list("pk", "sku"))
    lines = [
        {
            "variant": variant_id,
            "sku": skus.get(variant_id, ""),
            "warehouse": warehouse_id,
            "requested": requested.get((variant_id, warehouse_id), 0),
            "available": available[(variant_id, warehouse_id)],
        }
        for variant_id, warehouse_id in sorted(short)
    ]
    return InsufficientStock(lines)


def _record(
    organization_id: int,
    levels: dict[tuple[int, int], StockLevel],
    changes: Sequence[StockChange],
    costs: dict[int, Decimal],
    product_of: dict[int, int],
    *,
    reason: Reason | str,
    by,
    reference: Reference | None,
    note: str,
    own: dict[int, int] | None = None,
    consumes: Reference | None = None,
) -> list[StockMovement]:
    """Write the checked changes to the locked levels (and their reservations) and append their movements."""
    now = timezone.now()
    movements = []
    touched: dict[tuple[int, int], StockLevel] = {}
    for change in changes:
        level = levels[change.key]
        level.quantity += change.quantity
        touched[change.key] = level
        movements.append(_movement(organization_id, change, level.quantity, costs, reason, by, reference, note))
    for level in touched.values():
        level.updated_at, level.totals_stale = now, True
    holds.settle(levels, changes, own or {}, consumes)
    if len(touched) == 1:
        [level] = touched.values()
        StockLevel.objects.filter(pk=level.pk).update(
            quantity=level.quantity, reserved=level.reserved, updated_at=now, totals_stale=True
        )
    else:
        StockLevel.objects.bulk_update(list(touched.values()), ["quantity", "reserved", "updated_at", "totals_stale"])
    _add_to_product_totals(changes, product_of)
    return _write_movements(organization_id, movements)
