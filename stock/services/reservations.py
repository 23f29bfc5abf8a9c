"""Reservations: units of a level promised to the lines of a pending document (decision 0012).

The sales app calls these with `Reference("sales_order", id)`: `stock_reserve` when a pending order is created,
`stock_release` when it is rejected or cancelled, `stock_reservation_top_up` for its `reserve/` action; its
fulfilment consumes the reservation through the ledger (`stock_remove(..., consumes=reference)`). Each runs in the
caller's transaction, after the caller has locked its document, and locks the levels in pk order: document → levels,
as the ledger does. Nothing here writes a movement (nothing moves) or a quantity.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from core.cache import bump_stock_generation
from stock.models import StockLevel, StockReservation
from stock.services import holds
from stock.services.ledger import Reference, _levels_locked, _missing_levels, _variants_of


@dataclass(frozen=True)
class ReservationLine:
    """One line of a pending document: `quantity` units of a variant wanted, `line_id` naming the line."""

    line_id: int
    variant_id: int
    quantity: int


def stock_reserve(
    *,
    organization_id: int,
    warehouse_id: int,
    lines: Sequence[ReservationLine],
    reference: Reference,
    number: str = "",
) -> dict[int, int]:
    """Reserve each line up to what its level has available now; return {line id: units held}.

    Never refuses for want of stock: a line that gets less (or nothing) keeps a row for what it still lacks, which
    incoming stock tops up later. The lines take what is available in their order, so several lines of one variant
    share it. Creates a missing level row (0 units) like the ledger does, then locks the levels in pk order.
    """
    if not lines:
        return {}
    keys = {(line.variant_id, warehouse_id) for line in lines}
    _variants_of(organization_id, {line.variant_id for line in lines})  # refuses another organization's variants
    missing = _missing_levels(organization_id, keys)
    with transaction.atomic(savepoint=False):
        levels = _levels_locked(organization_id, keys, missing)
        free = {key: level.quantity - level.reserved for key, level in levels.items()}
        rows, held, added = [], {}, {}
        for line in lines:
            key = (line.variant_id, warehouse_id)
            units = min(line.quantity, free[key])
            free[key] -= units
            held[line.line_id] = units
            added[levels[key].pk] = added.get(levels[key].pk, 0) + units
            rows.append(
                StockReservation(
                    organization_id=organization_id,
                    level=levels[key],
                    reference_type=reference.type,
                    reference_id=reference.id,
                    reference_number=number,
                    line_id=line.line_id,
                    requested=line.quantity,
                    quantity=units,
                )
            )
        StockReservation.objects.bulk_create(rows)
        holds.add_reserved(added)
    _changed(organization_id, any(added.values()))
    return held


def stock_release(*, organization_id: int, reference: Reference) -> None:
    """Give back everything reserved for `reference` (a rejected or cancelled document) and forget its lines.

    Locks the levels it holds units of (pk order), lowers their `reserved` by what they held, deletes the rows:
    three statements whatever the number of lines. The freed units are available; they top up nobody (only
    incoming stock does).
    """
    rows = StockReservation.objects.filter(reference_type=reference.type, reference_id=reference.id)
    with transaction.atomic(savepoint=False):
        _lock_levels_of(rows)
        held = (
            rows.filter(level_id=OuterRef("pk"))
            .order_by()
            .values("level_id")
            .annotate(total=Sum("quantity"))
            .values("total")
        )
        held = Coalesce(Subquery(held, output_field=IntegerField()), 0)
        changed = StockLevel.objects.filter(pk__in=rows.filter(quantity__gt=0).values("level_id")).update(
            reserved=F("reserved") - held, totals_stale=True
        )
        rows.delete()
    _changed(organization_id, changed)


def stock_reservation_top_up(*, organization_id: int, reference: Reference) -> dict[int, int]:
    """Top up the short lines of one document now, from what their levels have available; return {line id: units
    added}. Locks the document's levels in pk order; other documents' short lines are not served first.
    """
    rows = StockReservation.objects.filter(reference_type=reference.type, reference_id=reference.id)
    with transaction.atomic(savepoint=False):
        levels = {level.pk: level for level in _lock_levels_of(rows)}
        free = {pk: level.quantity - level.reserved for pk, level in levels.items()}
        added, changed = {}, []
        for row in rows.filter(quantity__lt=F("requested")).order_by("id"):
            units = min(row.requested - row.quantity, free[row.level_id])
            if units > 0:
                row.quantity += units
                free[row.level_id] -= units
                added[row.line_id] = units
                changed.append(row)
        holds.save_quantities(changed)
        holds.add_reserved({pk: levels[pk].quantity - levels[pk].reserved - free[pk] for pk in levels})
    _changed(organization_id, added)
    return added


def _lock_levels_of(rows) -> list[StockLevel]:
    """Lock the levels these reservation rows are on, in pk order (list(): an unevaluated lock query takes none)."""
    levels = StockLevel.objects.select_for_update(of=("self",)).filter(pk__in=rows.values("level_id"))
    return list(levels.order_by("pk"))


def _changed(organization_id: int, changed) -> None:
    # The dashboard shows reserved and available units: its cached figures are stale once this commits.
    if changed:
        transaction.on_commit(lambda: bump_stock_generation(organization_id))
