"""Stock reads, shaped for their serializers (annotations and joins here, so serializers never query)."""

import operator
from dataclasses import dataclass
from datetime import timedelta
from functools import reduce

from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import Window
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import Product
from catalog.selectors import product_expired_q, product_list
from core import tallies
from core.db import fetch_all
from core.kept import kept_queryset
from core.pagination import lines_count
from stock.figures import level_margin, product_quantity
from stock.integrity import registered_problems
from stock.models import (
    MovementType,
    StockAdjustment,
    StockLevel,
    StockMovement,
    StockReservation,
    Transfer,
    TransferItem,
    low_level_q,
)


def stock_level_list(*, organization_id: int) -> QuerySet[StockLevel]:
    """Levels with their names, low-stock flag and `available` as columns (`reorder_level` is the level's
    effective one; `available` is `quantity - reserved`, never below 0 by the level's check constraint).
    """
    return StockLevel.objects.filter(organization_id=organization_id).annotate(
        sku=F("variant__sku"),
        product_id=F("variant__product_id"),
        product_name=F("variant__product__name"),
        warehouse_name=F("warehouse__name"),
        is_low_stock=ExpressionWrapper(low_level_q(), output_field=BooleanField()),
        available=ExpressionWrapper(F("quantity") - F("reserved"), output_field=IntegerField()),
    )


def stock_reservation_list(*, organization_id: int) -> QuerySet[StockReservation]:
    """Reservations holding units (a pending line still waiting for stock holds none and is not listed), with
    their level's variant, SKU and warehouse as columns; newest first.
    """
    return (
        StockReservation.objects.filter(organization_id=organization_id, quantity__gt=0)
        .annotate(
            variant_id=F("level__variant_id"),
            sku=F("level__variant__sku"),
            warehouse_id=F("level__warehouse_id"),
        )
        .order_by("-id")
    )


def stock_level_low_list(*, organization_id: int) -> QuerySet[StockLevel]:
    """Low levels, most urgent first (furthest below their reorder level)."""
    return stock_level_list(organization_id=organization_id).filter(is_low_stock=True).order_by(level_margin(), "pk")


@dataclass(frozen=True)
class StockAlerts:
    low_stock: QuerySet[StockLevel]
    expired: QuerySet
    expiring_soon: QuerySet


def stock_alerts(*, organization, days: int, warehouse_id: int | None = None) -> StockAlerts:
    """Low levels (most urgent first), and active products expired or expiring within `days` days (UTC dates).

    Products carry the catalog's stock figures (all warehouses).
    """
    low = stock_level_low_list(organization_id=organization.pk)
    if warehouse_id is not None:
        low = low.filter(warehouse_id=warehouse_id)
    today = timezone.now().date()
    products = product_list(organization=organization).filter(is_active=True).order_by("expiration_date", "name", "id")
    return StockAlerts(
        low_stock=low,
        expired=products.filter(product_expired_q(today)),
        expiring_soon=products.filter(expiration_date__gt=today, expiration_date__lte=today + timedelta(days=days)),
    )


def stock_movement_list(*, organization_id: int) -> QuerySet[StockMovement]:
    """Movements with their names as columns; the caller orders (cursor pagination: newest first)."""
    return StockMovement.objects.filter(organization_id=organization_id).annotate(
        sku=F("variant__sku"),
        product_id=F("variant__product_id"),
        product_name=F("variant__product__name"),
        warehouse_name=F("warehouse__name"),
        performed_by_username=F("performed_by__username"),
    )


# What a listed movement shows, named as `stock_movement_list()` names them (the columns of `movement_row_data`).
MOVEMENT_ROW_COLUMNS = (
    "id",
    "variant_id",
    "sku",
    "product_id",
    "product_name",
    "warehouse_id",
    "warehouse_name",
    "movement_type",
    "reason",
    "quantity",
    "balance_after",
    "unit_cost",
    "reference_type",
    "reference_id",
    "performed_by_id",
    "performed_by_username",
    "note",
    "created_at",
)


def stock_movement_rows(*, organization_id: int) -> QuerySet:
    """`stock_movement_list()` read as dicts of `MOVEMENT_ROW_COLUMNS`, to filter and order (pages of the ledger):
    building a model instance per row was a third of a page's CPU.
    """
    return _movement_rows(organization_id)


# The page of movements keeps its queryset of rows (core.kept).
@kept_queryset
def _movement_rows(organization_id: int) -> QuerySet:
    return stock_movement_list(organization_id=organization_id).values(*MOVEMENT_ROW_COLUMNS)


def stock_adjustment_list(*, organization_id: int) -> QuerySet[StockAdjustment]:
    return StockAdjustment.objects.filter(organization_id=organization_id).select_related(
        "variant",
        "warehouse",
        "performed_by",
        "movement__variant__product",
        "movement__warehouse",
        "movement__performed_by",
    )


def transfer_list(*, organization_id: int, items_limit: int | None = None) -> QuerySet[Transfer]:
    """`items_limit` lines per transfer at most (a list's), read with one windowed query."""
    items = TransferItem.objects.select_related("variant__product").order_by("id")
    if items_limit is not None:
        items = items[:items_limit]
    return (
        Transfer.objects.filter(organization_id=organization_id)
        .select_related("source_warehouse", "destination_warehouse", "requested_by", "decided_by")
        .prefetch_related(Prefetch("items", queryset=items, to_attr="lines"))
        .annotate(items_count=lines_count(TransferItem, "transfer"))
    )


# --- Integrity ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelDifference:
    """A level whose stored quantity is not what its movements add up to."""

    level_id: int | None
    variant_id: int
    warehouse_id: int
    sku: str
    quantity: int | None
    ledger_quantity: int

    def __str__(self):
        stored = "no level row" if self.level_id is None else f"level {self.level_id} holds {self.quantity}"
        return (
            f"{self.sku} (variant {self.variant_id}) in warehouse {self.warehouse_id}: {stored}, "
            f"movements add up to {self.ledger_quantity}"
        )


@dataclass(frozen=True)
class ProductTotalDifference:
    """A product whose `stock_quantity` is not the sum of its levels."""

    product_id: int
    name: str
    stock_quantity: int
    levels_quantity: int

    def __str__(self):
        return (
            f"product {self.product_id} ({self.name}) records stock_quantity {self.stock_quantity}, "
            f"its levels add up to {self.levels_quantity}"
        )


@dataclass(frozen=True)
class ReorderLevelDifference:
    """A level whose kept `reorder_level` is not its effective one (its override, else its variant's)."""

    level_id: int
    sku: str
    warehouse_id: int
    reorder_level: int
    effective: int

    def __str__(self):
        return (
            f"level {self.level_id} ({self.sku} in warehouse {self.warehouse_id}) keeps reorder level "
            f"{self.reorder_level}, its effective reorder level is {self.effective}"
        )


@dataclass(frozen=True)
class ReservedDifference:
    """A level whose `reserved` is not the sum of its reservations, or lies outside `0..quantity`."""

    level_id: int
    sku: str
    warehouse_id: int
    quantity: int
    reserved: int
    reservations: int

    def __str__(self):
        return (
            f"level {self.level_id} ({self.sku} in warehouse {self.warehouse_id}) holds {self.quantity} units and "
            f"records {self.reserved} reserved, its reservations add up to {self.reservations}"
        )


@dataclass(frozen=True)
class BalanceMismatch:
    """A movement whose `balance_after` is not the running sum of its level's movements up to it."""

    movement_id: int
    variant_id: int
    warehouse_id: int
    balance_after: int
    running_balance: int

    def __str__(self):
        return (
            f"movement {self.movement_id} (variant {self.variant_id}, warehouse {self.warehouse_id}) records "
            f"balance_after {self.balance_after}, the running sum is {self.running_balance}"
        )


_SIGNED = Case(
    When(movement_type=MovementType.IN, then=F("quantity")),
    default=-F("quantity"),
    output_field=IntegerField(),
)


def stock_level_differences(*, organization_id: int | None = None) -> list[LevelDifference]:
    """Every level whose quantity differs from Σ IN − Σ OUT of its movements, then every (variant, warehouse) whose
    movements add up to units without a level row: the first 100 keys, compared in the database, then read.
    """
    levels = StockLevel.objects.all()
    movements = StockMovement.objects.all()
    if organization_id is not None:
        levels = levels.filter(organization_id=organization_id)
        movements = movements.filter(organization_id=organization_id)
    ledger = movements.order_by().values_list("variant_id", "warehouse_id").annotate(total=Sum(_SIGNED))
    found = tallies.differences_in_database("level", levels, ledger, ("variant_id", "warehouse_id"), ("quantity",))
    stored = {difference.key: difference for difference in found if difference.kept is not None}
    named = reduce(operator.or_, (Q(variant_id=key[0], warehouse_id=key[1]) for key in stored), Q(pk__in=[]))
    rows = levels.filter(named).order_by("pk").values_list("pk", "variant_id", "warehouse_id", "variant__sku")
    differences = []
    for pk, variant_id, warehouse_id, sku in rows:
        level = stored[variant_id, warehouse_id]
        ledger_quantity = level.expected[0] if level.expected else 0  # no movements
        differences.append(LevelDifference(pk, variant_id, warehouse_id, sku, level.kept[0], ledger_quantity))
    no_level = sorted((difference for difference in found if difference.kept is None), key=lambda d: d.key)
    return differences + [LevelDifference(None, *d.key, "", None, d.expected[0]) for d in no_level]


def stock_balance_mismatches(*, organization_id: int | None = None, limit: int = 100) -> list[BalanceMismatch]:
    """Movements whose `balance_after` is not the running sum of their level's history (a window query over the
    ledger, the first `limit` by id).
    """
    movements = StockMovement.objects.all()
    if organization_id is not None:
        movements = movements.filter(organization_id=organization_id)
    running = (
        movements.order_by()
        .annotate(
            running=Window(Sum(_SIGNED), partition_by=[F("variant_id"), F("warehouse_id")], order_by=F("id").asc())
        )
        .values_list("id", "variant_id", "warehouse_id", "balance_after", "running")
    )
    sql, params = running.query.sql_with_params()
    # Sorted by id after the filter (the ORM's filter on a window sorts every movement first); no index scan: the
    # planner would walk the variant index to spare the window its sort, reading the heap at random (far slower).
    sql = f'SELECT * FROM ({sql}) AS movement WHERE "balance_after" <> "running" ORDER BY "id" LIMIT %s'
    return [BalanceMismatch(*row) for row in fetch_all(sql, [*params, limit], enable_indexscan="off")]


def product_total_differences(*, organization_id: int | None = None) -> list[ProductTotalDifference]:
    """Every product whose `stock_quantity` differs from the sum of its variants' levels (one query)."""
    products = Product.objects.all()
    if organization_id is not None:
        products = products.filter(organization_id=organization_id)
    rows = (
        products.annotate(levels_quantity=product_quantity())
        .exclude(stock_quantity=F("levels_quantity"))
        .values_list("pk", "name", "stock_quantity", "levels_quantity")
        .order_by("pk")
    )
    return [ProductTotalDifference(*row) for row in rows]


def reorder_level_differences(*, organization_id: int | None = None) -> list[ReorderLevelDifference]:
    """Every level whose kept reorder level differs from its override, else its variant's (one query)."""
    levels = StockLevel.objects.all()
    if organization_id is not None:
        levels = levels.filter(organization_id=organization_id)
    rows = (
        levels.annotate(effective=Coalesce(F("reorder_level_override"), F("variant__reorder_level")))
        .exclude(reorder_level=F("effective"))
        .values_list("pk", "variant__sku", "warehouse_id", "reorder_level", "effective")
        .order_by("pk")
    )
    return [ReorderLevelDifference(*row) for row in rows]


def reserved_differences(*, organization_id: int | None = None) -> list[ReservedDifference]:
    """Every level whose `reserved` differs from Σ its reservations, or is below 0 or above its quantity (one
    query; the check constraint forbids the latter two, this still says so if it was ever dropped).
    """
    levels = StockLevel.objects.all()
    if organization_id is not None:
        levels = levels.filter(organization_id=organization_id)
    held = (
        StockReservation.objects.filter(level_id=OuterRef("pk"))
        .order_by()
        .values("level_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    rows = (
        levels.annotate(held=Coalesce(Subquery(held, output_field=IntegerField()), Value(0)))
        .filter(~Q(reserved=F("held")) | Q(reserved__lt=0) | Q(reserved__gt=F("quantity")))
        .values_list("pk", "variant__sku", "warehouse_id", "quantity", "reserved", "held")
        .order_by("pk")
    )
    return [ReservedDifference(*row) for row in rows]


@dataclass(frozen=True)
class IntegrityReport:
    levels_checked: int
    movements_checked: int
    # LevelDifference, ProductTotalDifference, ReorderLevelDifference, ReservedDifference, BalanceMismatch, in order
    problems: list


def stock_integrity_report(*, organization_id: int | None = None) -> IntegrityReport:
    """Everything `check_stock_integrity` reports: levels that differ from their movements, products whose total
    differs from their levels, levels whose kept reorder level is stale, levels whose `reserved` is not the sum of
    their reservations or not within `0..quantity`, then movements whose `balance_after` is not their running
    balance (the first 100); then what the registered checks report (`stock.integrity`: the kept figures of this
    floor and of higher ones).
    """
    levels = StockLevel.objects.all()
    movements = StockMovement.objects.all()
    if organization_id is not None:
        levels = levels.filter(organization_id=organization_id)
        movements = movements.filter(organization_id=organization_id)
    return IntegrityReport(
        levels_checked=levels.count(),
        movements_checked=movements.count(),
        problems=[
            *stock_level_differences(organization_id=organization_id),
            *product_total_differences(organization_id=organization_id),
            *reorder_level_differences(organization_id=organization_id),
            *reserved_differences(organization_id=organization_id),
            *stock_balance_mismatches(organization_id=organization_id),
            *registered_problems(organization_id),
        ],
    )
