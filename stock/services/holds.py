"""What the ledger does to reservations while it holds level locks: shrink them, top them up, consume them.

Every function here expects its levels already locked by the caller (the ledger, or `stock.services.reservations`)
and reads the reservation rows in a statement of its own, after the lock: a subquery of the statement that took the
lock would read them as they were before it waited. A reservation row is never locked on its own; its level's lock
guards it. The caller writes each level's `reserved` (these return what changed), so a level is written once.
"""

from collections.abc import Collection, Mapping

from django.db.models import BigIntegerField, Case, F, Sum, Value, When
from django.utils import timezone

from core.kept import kept_rows_for_ids
from stock.models import StockLevel, StockReservation


def available_to(levels: Mapping, own: Mapping[int, int], *, takes_reserved: bool) -> dict:
    """What each locked level lets a call take: every unit (`takes_reserved`: an adjustment records reality), or
    the unpromised ones plus those promised to the caller's own document (`own`: {level id: units}).
    """
    if takes_reserved:
        return {key: level.quantity for key, level in levels.items()}
    return {key: level.quantity - level.reserved + own.get(level.pk, 0) for key, level in levels.items()}


def settle(levels: Mapping, changes, own: Mapping[int, int], consumes) -> None:
    """Bring the locked levels' reservations in line with their new quantities (already set on `levels`).

    The consumed document's reservations go; a level now below its reserved units shrinks its newest reservations
    to fit; a level that received stock tops up its short reservations, oldest first. Sets each level's `reserved`
    for the caller to write with its quantity.
    """
    net: dict[int, int] = {}
    for change in changes:
        level = levels[change.key]
        net[level.pk] = net.get(level.pk, 0) + change.quantity
    touched = {levels[change.key].pk: levels[change.key] for change in changes}
    if consumes is not None:
        for level_id, units in own.items():
            if level_id in touched:
                touched[level_id].reserved -= units
        consume(consumes)
    for level in touched.values():
        if level.reserved > level.quantity:
            shrink(level.pk, level.reserved - level.quantity)
            level.reserved = level.quantity
    incoming = {level_id: level.quantity - level.reserved for level_id, level in touched.items() if net[level_id] > 0}
    for level_id, units in top_up(incoming).items():
        touched[level_id].reserved += units


def held_by(reference, level_ids: Collection[int]) -> dict[int, int]:
    """Units each of these levels holds for `reference` (a `Reference` to a pending document): {level id: units}."""
    if reference is None or not level_ids:
        return {}
    rows = (
        StockReservation.objects.filter(
            reference_type=reference.type, reference_id=reference.id, level_id__in=list(level_ids)
        )
        .order_by()
        .values("level_id")
        .annotate(held=Sum("quantity"))
        .values_list("level_id", "held")
    )
    return dict(rows)


def consume(reference) -> None:
    """Delete the reservations of `reference` (its fulfilment took their units); the caller lowers `reserved`."""
    StockReservation.objects.filter(reference_type=reference.type, reference_id=reference.id).delete()


def shrink(level_id: int, excess: int) -> None:
    """Take `excess` units off the level's reservations, newest first (the latest promise is the one broken)."""
    rows = list(StockReservation.objects.filter(level_id=level_id, quantity__gt=0).order_by("-id"))
    changed = []
    for row in rows:
        if excess <= 0:
            break
        taken = min(row.quantity, excess)
        row.quantity -= taken
        excess -= taken
        changed.append(row)
    save_quantities(changed)


def top_up(free_by_level: Mapping[int, int]) -> dict[int, int]:
    """Give each level's free units to its short reservations, oldest first; return {level id: units given}.

    One query finds the short rows of every level (a partial index holds them); one more writes them, if any.
    """
    free = {level_id: units for level_id, units in free_by_level.items() if units > 0}
    if not free:
        return {}
    given: dict[int, int] = {}
    changed = []
    for row in _short_reservations(sorted(free)):
        units = min(row["requested"] - row["quantity"], free[row["level_id"]])
        if units <= 0:
            continue
        free[row["level_id"]] -= units
        given[row["level_id"]] = given.get(row["level_id"], 0) + units
        changed.append(StockReservation(pk=row["id"], quantity=row["quantity"] + units))
    save_quantities(changed)
    return given


@kept_rows_for_ids
def _short_reservations(level_ids):
    """The reservations of these levels that hold fewer units than they asked for, oldest first. Every stock
    increase asks, so its statement is compiled once per number of levels (`core.kept`).
    """
    short = StockReservation.objects.filter(level_id__in=level_ids, quantity__lt=F("requested")).order_by("id")
    return short.values("id", "level_id", "quantity", "requested")


def add_reserved(deltas: Mapping[int, int]) -> None:
    """Add each signed delta to its level's `reserved` in one UPDATE (levels locked by the caller)."""
    deltas = {level_id: delta for level_id, delta in deltas.items() if delta}
    if not deltas:
        return
    levels = StockLevel.objects.filter(pk__in=list(deltas))
    if len(deltas) == 1:
        [(level_id, delta)] = deltas.items()
        levels.update(reserved=F("reserved") + delta, totals_stale=True)
        return
    delta = Case(*(When(pk=pk, then=Value(d)) for pk, d in deltas.items()), output_field=BigIntegerField())
    levels.update(reserved=F("reserved") + delta, totals_stale=True)


def save_quantities(rows: list[StockReservation]) -> None:
    if not rows:
        return
    now = timezone.now()
    for row in rows:
        row.updated_at = now
    if len(rows) == 1:
        [row] = rows
        StockReservation.objects.filter(pk=row.pk).update(quantity=row.quantity, updated_at=now)
    else:
        StockReservation.objects.bulk_update(rows, ["quantity", "updated_at"])
