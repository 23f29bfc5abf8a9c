"""The kept stock totals: units, reserved units, cost and retail value, low and all levels per warehouse and
category (`StockTotal`), and the cost value per expiration date (`StockExpiry`, for what has expired on the day
asked), decision 0024: behind `/api/dashboard/` and the warehouse dashboard.

A level's part in them depends on the level (units, reserved units, reorder level) and on its catalog (the
variant's cost and price, the product's category and expiration date). Rather than having every writer of those
compute and add its differences, each writer only marks the levels it changed `totals_stale`, in the statement or
transaction of the change (the ledger, reservations and reorder levels in their own UPDATE of the level; the
catalog through `catalog.stock_figures` before it touches a product row, so that levels are locked before products
as the ledger locks them). `fold` later moves the stale levels' parts into the tallies:

- Reading: the tally rows of the scope, plus for each stale level its current part less its kept part, in one
  statement (one snapshot). A fold commits its tally rows and clears the levels' flags together, so a reader sees
  every level exactly once, folded or not: the figures are exact at every moment, whether the fold ran or not.
- Folding locks stale levels (`SKIP LOCKED`: a level being written is folded next time), inserts the negation of
  their kept parts, stores their current parts and clears the flag, and inserts the new parts, in one transaction.
  While it holds a level, no writer can mark it, so the catalog values it reads cannot change under it.
"""

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from catalog.models import Variant
from core import tallies
from core.formats import CENT
from core.iterables import chunks
from core.kept import kept_rows
from stock.models import StockExpiry, StockLevel, StockTotal, low_level_q

KEYS = ("organization_id", "warehouse_id", "category_id")
SUMS = ("quantity", "reserved", "cost_value", "retail_value", "low", "levels")
EXPIRY_KEYS = ("organization_id", "warehouse_id", "category_id", "expiration_date")
EXPIRY_SUMS = ("cost_value",)
# Levels folded per transaction, and transactions per `fold` call: short lock holds, a bounded call.
FOLD_LEVELS = 2000
FOLD_BATCHES = 25
# Variants or products whose levels are marked per statement.
MARK_BATCH = 500
VALUE = DecimalField(max_digits=20, decimal_places=2)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Totals:
    """The kept sums of some levels (one category's, or all in scope)."""

    quantity: int = 0
    reserved: int = 0
    cost_value: Decimal = ZERO
    retail_value: Decimal = ZERO
    expired_value: Decimal = ZERO
    low: int = 0
    levels: int = 0

    def __add__(self, other: "Totals") -> "Totals":
        return Totals(*(getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__))


# --- Marking --------------------------------------------------------------------------------------------------------


def mark_levels_stale(*, variant_ids: Iterable[int] = (), product_ids: Iterable[int] = ()) -> None:
    """Mark the levels of these variants, or of these products' variants, whose catalog values change (a cost, a
    price, a category, an expiration date), in the caller's transaction. Call it before the ledger and before any
    product row is locked: levels are locked in pk order after variants and before products, as everywhere.
    """
    for chunk in chunks(sorted(set(variant_ids)), MARK_BATCH):
        _mark(StockLevel.objects.filter(variant_id__in=chunk))
    for chunk in chunks(sorted(set(product_ids)), MARK_BATCH):
        _mark(StockLevel.objects.filter(variant__product_id__in=chunk))


def _mark(levels: QuerySet) -> None:
    # Locked in pk order first (an UPDATE alone takes its locks in no set order); of=self: the levels only, never
    # the catalog rows the filter joins.
    list(levels.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))  # list(): locks
    levels.filter(totals_stale=False).update(totals_stale=True)


# --- Reading --------------------------------------------------------------------------------------------------------


def _money_sum(expression, **kwargs) -> Coalesce:
    return Coalesce(Sum(expression, **kwargs), Value(ZERO), output_field=VALUE)


def _int_sum(expression, **kwargs) -> Coalesce:
    return Coalesce(Sum(expression, **kwargs), 0, output_field=IntegerField())


def _in_scope(queryset: QuerySet, organization_id: int, warehouse_ids: Collection[int] | None) -> QuerySet:
    queryset = queryset.filter(organization_id=organization_id)
    if warehouse_ids is not None:
        queryset = queryset.filter(warehouse_id__in=sorted(warehouse_ids))
    return queryset


def _kept_rows(organization_id, warehouse_ids, today) -> QuerySet:
    tally = _in_scope(StockTotal.objects.all(), organization_id, warehouse_ids)
    return (
        tally.order_by()
        .values("category_id")
        .annotate(
            units=_int_sum("quantity"),
            promised=_int_sum("reserved"),
            at_cost=_money_sum("cost_value"),
            at_price=_money_sum("retail_value"),
            expired=Value(ZERO, output_field=VALUE),
            low_levels=_int_sum("low"),
            all_levels=_int_sum("levels"),
        )
    )


def _kept_expired_rows(organization_id, warehouse_ids, today) -> QuerySet:
    """The kept cost value of the expiration dates already past (an index range: only those dates are read)."""
    tally = _in_scope(StockExpiry.objects.filter(expiration_date__lte=today), organization_id, warehouse_ids)
    zero = Value(0, output_field=IntegerField())
    return (
        tally.order_by()
        .values("category_id")
        .annotate(
            units=zero,
            promised=zero,
            at_cost=Value(ZERO, output_field=VALUE),
            at_price=Value(ZERO, output_field=VALUE),
            expired=_money_sum("cost_value"),
            low_levels=zero,
            all_levels=zero,
        )
    )


def _stale_now_rows(organization_id, warehouse_ids, today) -> QuerySet:
    """What the stale levels add now, from the level and its catalog rows."""
    stale = _in_scope(StockLevel.objects.filter(totals_stale=True), organization_id, warehouse_ids)
    at_cost = ExpressionWrapper(F("quantity") * F("variant__cost"), output_field=VALUE)
    return (
        stale.order_by()
        .values(category_id=F("variant__product__category_id"))
        .annotate(
            units=_int_sum("quantity"),
            promised=_int_sum("reserved"),
            at_cost=_money_sum(at_cost),
            at_price=_money_sum(ExpressionWrapper(F("quantity") * F("variant__price"), output_field=VALUE)),
            expired=_money_sum(at_cost, filter=Q(variant__product__expiration_date__lte=today)),
            low_levels=Count("pk", filter=low_level_q()),
            all_levels=Count("pk"),
        )
    )


def _stale_kept_rows(organization_id, warehouse_ids, today) -> QuerySet:
    """What the stale levels added when last folded, negated (it is still in the tallies)."""
    stale = _in_scope(StockLevel.objects.filter(totals_stale=True, kept_counted=True), organization_id, warehouse_ids)
    return (
        stale.order_by()
        .values(category_id=F("kept_category_id"))
        .annotate(
            units=_int_sum(-F("kept_quantity")),
            promised=_int_sum(-F("kept_reserved")),
            at_cost=_money_sum(-F("kept_cost_value")),
            at_price=_money_sum(-F("kept_retail_value")),
            expired=_money_sum(-F("kept_cost_value"), filter=Q(kept_expiration_date__lte=today)),
            low_levels=-Count("pk", filter=Q(kept_low=True)),
            all_levels=-Count("pk"),
        )
    )


@kept_rows
def _totals_rows(organization_id: int, warehouse_ids: tuple[int, ...] | None, today: dt.date) -> QuerySet:
    """The four parts of the totals in one statement. Kept per arguments, compiled (`core.kept`): building and
    compiling four annotated querysets is most of this read's own cost, and they depend on nothing else.
    """
    parts = (organization_id, warehouse_ids, today)
    return _kept_rows(*parts).union(
        _kept_expired_rows(*parts), _stale_now_rows(*parts), _stale_kept_rows(*parts), all=True
    )


def stock_totals_by_category(
    *, organization_id: int, warehouse_ids: Collection[int] | None, today: dt.date
) -> dict[int | None, Totals]:
    """The levels' totals per category of their product (None: none), over these warehouses (None: all); a
    product's stock is expired when its expiration date is `today` or earlier. One statement.
    """
    warehouses = None if warehouse_ids is None else tuple(sorted(warehouse_ids))
    sums: dict[int | None, list] = {}
    for row in _totals_rows(organization_id, warehouses, today):
        values = list(row.values())  # category_id, then the sums in Totals' order
        found = sums.get(values[0])
        if found is None:
            sums[values[0]] = values[1:]
        else:
            for index, value in enumerate(values[1:]):
                found[index] += value
    return {
        category_id: Totals(*(value.quantize(CENT) if isinstance(value, Decimal) else value for value in values))
        for category_id, values in sums.items()
    }


# --- Folding --------------------------------------------------------------------------------------------------------


def _expiry_parts_as_kept(levels: QuerySet, sign: int) -> QuerySet:
    """The levels' kept cost value per expiration date (times `sign`), as tally rows: EXPIRY_KEYS then EXPIRY_SUMS."""
    return (
        levels.filter(kept_expiration_date__isnull=False)
        .order_by()
        .values("organization_id", "warehouse_id", "kept_category_id", "kept_expiration_date")
        .annotate(at_cost=Sum(F("kept_cost_value") * sign, output_field=VALUE))
    )


def _insert_parts(levels: QuerySet, sign: int) -> int:
    """Add the levels' kept parts (times `sign`) to both tallies."""
    return tallies.insert_select(StockTotal, (*KEYS, *SUMS), _parts_as_kept(levels, sign)) + tallies.insert_select(
        StockExpiry, (*EXPIRY_KEYS, *EXPIRY_SUMS), _expiry_parts_as_kept(levels, sign)
    )


def _parts_as_kept(levels: QuerySet, sign: int) -> QuerySet:
    """The levels' kept parts per key (times `sign`), as tally rows: KEYS then SUMS."""
    return (
        levels.order_by()
        .values("organization_id", "warehouse_id", "kept_category_id")
        .annotate(
            units=Sum(F("kept_quantity") * sign),
            promised=Sum(F("kept_reserved") * sign),
            at_cost=Sum(F("kept_cost_value") * sign, output_field=VALUE),
            at_price=Sum(F("kept_retail_value") * sign, output_field=VALUE),
            low_levels=Sum(Case(When(kept_low=True, then=Value(sign)), default=Value(0))),
            all_levels=Count("pk") * sign,
        )
    )


def _current_parts() -> dict:
    """The `kept_*` columns set to the level's part now (an UPDATE of levels reaching their catalog rows)."""
    variant = Variant.objects.filter(pk=OuterRef("variant_id"))
    return {
        "kept_counted": True,
        "kept_quantity": F("quantity"),
        "kept_reserved": F("reserved"),
        "kept_cost_value": ExpressionWrapper(F("quantity") * Subquery(variant.values("cost")), output_field=VALUE),
        "kept_retail_value": ExpressionWrapper(F("quantity") * Subquery(variant.values("price")), output_field=VALUE),
        "kept_low": ExpressionWrapper(low_level_q(), output_field=BooleanField()),
        "kept_category_id": Subquery(variant.values("product__category_id")),
        "kept_expiration_date": Subquery(variant.values("product__expiration_date")),
    }


def fold_batch(limit: int = FOLD_LEVELS) -> int:
    """Fold up to `limit` stale levels into the tallies, in one transaction; return how many."""
    with transaction.atomic():
        locked = StockLevel.objects.select_for_update(skip_locked=True).filter(totals_stale=True).order_by("pk")
        pks = list(locked.values_list("pk", flat=True)[:limit])
        if not pks:
            return 0
        levels = StockLevel.objects.filter(pk__in=pks)
        _insert_parts(levels.filter(kept_counted=True), -1)
        levels.update(totals_stale=False, **_current_parts())
        _insert_parts(levels, 1)
    return len(pks)


def fold(batches: int = FOLD_BATCHES) -> int:
    """Fold stale levels, batch after batch, until none is left or `batches` ran; return how many were folded."""
    folded = 0
    for _ in range(batches):
        done = fold_batch()
        folded += done
        if done < FOLD_LEVELS:
            break
    return folded


def rebuild(organization_id: int) -> int:
    """Replace the organization's tallies by one row per key computed from its levels, every level folded, in two
    set-based statements; the caller holds the transaction (and keeps writers out).
    """
    StockTotal.objects.filter(organization_id=organization_id).delete()
    StockExpiry.objects.filter(organization_id=organization_id).delete()
    levels = StockLevel.objects.filter(organization_id=organization_id)
    levels.update(totals_stale=False, **_current_parts())
    return _insert_parts(levels, 1)


def compact() -> int:
    return tallies.compact(StockTotal, KEYS, SUMS, lock_by="warehouse_id") + tallies.compact(
        StockExpiry, EXPIRY_KEYS, EXPIRY_SUMS, lock_by="warehouse_id"
    )


def fold_and_compact() -> int:
    """What the beat task runs for these figures: fold the stale levels, then fold the tally rows they added."""
    return fold() + compact()


# --- The check ------------------------------------------------------------------------------------------------------


def _differs(kept: str, current) -> Q:
    return ~Q(**{kept: current})


def stale_flag_differences(organization_id: int | None = None) -> list[tallies.Difference]:
    """Levels marked folded whose kept part is not their part now: a writer changed them without marking them."""
    levels = StockLevel.objects.filter(totals_stale=False)
    if organization_id is not None:
        levels = levels.filter(organization_id=organization_id)
    now = _current_parts()
    never = dt.date(1, 1, 1)
    wrong = (
        Q(kept_counted=False)
        | _differs("kept_quantity", F("quantity"))
        | _differs("kept_reserved", F("reserved"))
        | _differs("kept_cost_value", now["kept_cost_value"])
        | _differs("kept_retail_value", now["kept_retail_value"])
        | _differs("kept_low", now["kept_low"])
        | ~Q(kept_category=Coalesce(now["kept_category_id"], -1))
        | ~Q(kept_expiry=Coalesce(now["kept_expiration_date"], Value(never)))
    )
    rows = (
        levels.annotate(
            kept_category=Coalesce("kept_category_id", -1), kept_expiry=Coalesce("kept_expiration_date", Value(never))
        )
        .filter(wrong)
        .order_by("pk")
        .values_list("pk", "quantity", "kept_quantity")[:100]
    )
    return [tallies.Difference("level total", (pk,), (kept,), (quantity,)) for pk, quantity, kept in rows]


def tally_differences(organization_id: int | None = None) -> list[tallies.Difference]:
    """Keys whose tally rows do not add up to the kept parts of their levels."""
    levels = StockLevel.objects.filter(kept_counted=True)
    if organization_id is not None:
        levels = levels.filter(organization_id=organization_id)
    found = []
    for figure, model, keys, sums, parts in (
        ("stock total", StockTotal, KEYS, SUMS, _parts_as_kept),
        ("stock expiry", StockExpiry, EXPIRY_KEYS, EXPIRY_SUMS, _expiry_parts_as_kept),
    ):
        rows = model.objects.all()
        if organization_id is not None:
            rows = rows.filter(organization_id=organization_id)
        found += tallies.differences_in_database(figure, rows, parts(levels, 1), keys, sums)
    return found


def differences(organization_id: int | None = None) -> list[tallies.Difference]:
    return stale_flag_differences(organization_id) + tally_differences(organization_id)
