"""A level's reorder override, and the effective reorder level each level keeps (its override, else its
variant's).
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from catalog.models import Variant
from core.iterables import chunks
from core.permissions import ensure_role, ensure_warehouse_access
from core.roles import ADMIN_MANAGER
from stock.models import StockLevel


def stock_level_update(*, level: StockLevel, by, reorder_level_override: int | None) -> None:
    """Set a level's reorder override (admin; manager for own warehouses)."""
    ensure_role(by, ADMIN_MANAGER)
    ensure_warehouse_access(by, [level.warehouse_id])
    stock_level_set_override(level_id=level.pk, reorder_level_override=reorder_level_override)


@transaction.atomic
def stock_level_set_override(*, level_id: int, reorder_level_override: int | None) -> None:
    """Set the override and the effective reorder level with it (`None` falls back to the variant's).

    Targeted UPDATEs, never `save()`: a full save would write back the quantity read earlier and erase any stock
    change committed since. The level is locked before the variant's reorder level is read: a change of that reorder
    level committed meanwhile then either came first (and is read here) or waits for this row (and updates it).
    """
    list(StockLevel.objects.select_for_update().filter(pk=level_id).values_list("pk"))  # list(): takes the lock
    variant_level = Variant.objects.filter(stock_levels=level_id).values_list("reorder_level", flat=True).get()
    StockLevel.objects.filter(pk=level_id).update(
        reorder_level_override=reorder_level_override,
        reorder_level=variant_level if reorder_level_override is None else reorder_level_override,
        updated_at=timezone.now(),
        totals_stale=True,
    )


_BATCH = 500


def levels_follow_reorder_levels(variant_ids: Iterable[int]) -> None:
    """Copy these variants' reorder levels to their stock levels that have no override.

    The catalog calls it (through `catalog.stock_figures`) in the transaction that wrote the variants, after
    writing them: their row locks then keep the ledger from creating a level of them in between (it reads a new
    level's reorder level under the variant's lock), and the levels are locked after the variants, in pk order, as
    every writer of both takes them.
    """
    for chunk in chunks(sorted(set(variant_ids)), _BATCH):
        levels = StockLevel.objects.filter(variant_id__in=chunk, reorder_level_override__isnull=True)
        list(levels.select_for_update().order_by("pk").values_list("pk", flat=True))  # list(): takes the locks
        levels.update(
            reorder_level=Subquery(Variant.objects.filter(pk=OuterRef("variant_id")).values("reorder_level")),
            totals_stale=True,
        )
