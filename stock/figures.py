"""Stock figures as database expressions: units, promised units and low flags of variants and products.

Every figure is an annotation over the stock levels, so a page of 5 or 100 products costs the same number of
queries. "Low" is `stock.models.low_level_q` everywhere: here (products and variants), in the level list, the
dashboards and the digest. The catalog shows these through its seam (`catalog.stock_figures`), which
`CATALOG_FIGURES` fills.

`warehouse_ids=None` counts every warehouse; a collection restricts the figures to those warehouses.
"""

import functools
from collections.abc import Collection, Iterable, Mapping
from types import MappingProxyType

from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan, LessThanOrEqual

from catalog.models import Variant
from stock import totals
from stock.models import StockLevel, low_level_q
from stock.services.levels import levels_follow_reorder_levels


def level_margin(prefix: str = ""):
    """Units above the reorder level: at most 0 exactly when `low_level_q` holds; orders levels most urgent first."""
    return F(f"{prefix}quantity") - F(f"{prefix}reorder_level")


def _levels_in(warehouse_ids: Collection[int] | None) -> QuerySet:
    levels = StockLevel.objects.all()
    if warehouse_ids is not None:
        levels = levels.filter(warehouse_id__in=list(warehouse_ids))
    return levels


def _sum_or_zero(levels: QuerySet, group_by: str, column: str = "quantity") -> Coalesce:
    total = levels.order_by().values(group_by).annotate(total=Sum(column)).values("total")
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def variant_quantity(*, warehouse_ids: Collection[int] | None = None, variant_ref: str = "pk") -> Coalesce:
    """Units of the variant `OuterRef(variant_ref)` in stock (0 when it has no level)."""
    return _sum_or_zero(_levels_in(warehouse_ids).filter(variant_id=OuterRef(variant_ref)), "variant_id")


def variant_reserved(*, warehouse_ids: Collection[int] | None = None) -> Coalesce:
    """Units of the variant `OuterRef("pk")` promised to pending sales orders (its levels' `reserved`).

    Its `available` is `quantity - reserved`, computed by the serializers: each level's reserved is at most its
    quantity (a check constraint), so the difference of the sums is never below 0.
    """
    return _sum_or_zero(_levels_in(warehouse_ids).filter(variant_id=OuterRef("pk")), "variant_id", "reserved")


def product_reserved(*, warehouse_ids: Collection[int] | None = None) -> Coalesce:
    """Units of the product `OuterRef("pk")` promised to pending sales orders, over its levels."""
    levels = _levels_in(warehouse_ids).filter(variant__product_id=OuterRef("pk"))
    return _sum_or_zero(levels, "variant__product_id", "reserved")


def product_quantity(*, warehouse_ids: Collection[int] | None = None) -> Coalesce:
    """Units of the product `OuterRef("pk")` in stock, summed over its levels (0 when it has none): over every
    warehouse, what the ledger keeps as its `stock_quantity`.
    """
    return _sum_or_zero(_levels_in(warehouse_ids).filter(variant__product_id=OuterRef("pk")), "variant__product_id")


def _has_rows(queryset: QuerySet, group_by: str) -> GreaterThan:
    """True when the correlated `queryset` has a row: `COUNT(...) > 0`, evaluated for each outer row.

    Not `EXISTS`: PostgreSQL may answer an EXISTS for every outer row at once by hashing the whole inner table, and
    it does when it expects many outer rows. It plans a page of 50 products as if every product were read (the LIMIT
    sits above the subqueries), so a page hashed every stock level, twice (bench/README.md). A subquery with an
    aggregate is never hashed.
    """
    counted = queryset.order_by().values(group_by).annotate(rows=Count("pk")).values("rows")
    return GreaterThan(Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)), 0)


def variant_is_low_stock(*, warehouse_ids: Collection[int] | None = None) -> LessThanOrEqual:
    """True when a level of the variant is low, or when it has no level and a positive reorder level.

    A variant that was never stocked counts as 0 units: with a reorder level above 0 it needs ordering. One
    aggregate per variant: the lowest `level_margin` of its levels is at most 0 exactly when one of them is low, and
    with no level `1 - reorder_level` stands in for it, at most 0 exactly when the reorder level is positive (one
    scalar subquery where an OR of two, one nesting an EXISTS, cost more to compile than to run).
    """
    lowest = (
        _levels_in(warehouse_ids)
        .filter(variant_id=OuterRef("pk"))
        .order_by()
        .values("variant_id")
        .annotate(lowest=Min(level_margin()))
        .values("lowest")
    )
    return LessThanOrEqual(Coalesce(Subquery(lowest, output_field=IntegerField()), Value(1) - F("reorder_level")), 0)


def product_is_low_stock(*, warehouse_ids: Collection[int] | None = None) -> GreaterThan:
    """True when a variant of the product is low (`variant_is_low_stock`), in one subquery: the product's variants
    joined to their levels (in these warehouses), counting the pairs where the level is low, or where there is no
    level and the variant has a reorder level.
    """
    variants = Variant.objects.filter(product_id=OuterRef("pk"))
    levels = "stock_levels"
    if warehouse_ids is not None:
        in_warehouses = Q(stock_levels__warehouse_id__in=list(warehouse_ids))
        variants, levels = (
            variants.alias(levels_in=FilteredRelation("stock_levels", condition=in_warehouses)),
            "levels_in",
        )
    low = low_level_q(prefix=f"{levels}__") | Q(**{f"{levels}__isnull": True}, reorder_level__gt=0)
    return _has_rows(variants.filter(low), "product_id")


def products_low_stock(*, organization_id: int, warehouse_ids: Collection[int] | None = None) -> Q:
    """The products whose `is_low_stock` is true, as `pk__in` conditions: those with a low level, and those with a
    variant never stocked (in these warehouses) that has a reorder level.

    The same products as the annotation, found from the other end: the low levels come from their partial index (a
    few hundred), where filtering on the annotation evaluates it for every product of the organization.
    """
    low_levels = _levels_in(warehouse_ids).filter(low_level_q(), organization_id=organization_id)
    never_stocked = Variant.objects.filter(organization_id=organization_id, reorder_level__gt=0).filter(
        ~Exists(_levels_in(warehouse_ids).filter(variant_id=OuterRef("pk")))
    )
    return Q(pk__in=low_levels.values("variant__product_id")) | Q(pk__in=never_stocked.values("product_id"))


class CatalogFigures:
    """The stock figures the catalog shows (`catalog.stock_figures.StockFigures`).

    The annotations depend only on the warehouses they count, yet building their subqueries costs a page of
    products a measurable share of its CPU (decision 0009): they are built once per warehouse selection.
    annotate() resolves a copy of an expression into its query and never changes the original, so one mapping of
    expressions serves every queryset (as a module-level F() or Q() would); it is read-only.
    """

    @staticmethod
    @functools.lru_cache(maxsize=256)
    def variant_annotations(warehouse_ids: tuple[int, ...] | None) -> Mapping:
        return MappingProxyType(
            {
                "quantity": variant_quantity(warehouse_ids=warehouse_ids),
                "reserved": variant_reserved(warehouse_ids=warehouse_ids),
                "is_low_stock": variant_is_low_stock(warehouse_ids=warehouse_ids),
            }
        )

    @staticmethod
    @functools.lru_cache(maxsize=256)
    def product_annotations(warehouse_ids: tuple[int, ...] | None) -> Mapping:
        # Every warehouse: the total the ledger keeps on the product, which an index orders
        # (`?ordering=total_quantity` would otherwise sort every product by a sum of its levels).
        total = F("stock_quantity") if warehouse_ids is None else product_quantity(warehouse_ids=warehouse_ids)
        return MappingProxyType(
            {
                "total_quantity": total,
                "total_reserved": product_reserved(warehouse_ids=warehouse_ids),
                "is_low_stock": product_is_low_stock(warehouse_ids=warehouse_ids),
            }
        )

    @staticmethod
    def products_low_stock(*, organization_id: int, warehouse_ids: Collection[int] | None) -> Q:
        return products_low_stock(organization_id=organization_id, warehouse_ids=warehouse_ids)

    @staticmethod
    def follow_reorder_levels(variant_ids: Iterable[int]) -> None:
        levels_follow_reorder_levels(variant_ids)

    @staticmethod
    def levels_revalued(*, variant_ids: Iterable[int] = (), product_ids: Iterable[int] = ()) -> None:
        totals.mark_levels_stale(variant_ids=variant_ids, product_ids=product_ids)


CATALOG_FIGURES = CatalogFigures()
