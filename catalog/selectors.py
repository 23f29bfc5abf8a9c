"""Reads of the catalog, returned as querysets already shaped for their serializers.

Stock figures (`quantity` per variant, `total_quantity` and `is_low_stock` per product) are database annotations
over the stock levels, so a page of 5 or 100 products costs the same number of queries; a product's total over every
warehouse is the `stock_quantity` the ledger keeps on it. The catalog sits below
the stock app and never imports it: the stock level model is reached through `Variant.stock_levels`, the reverse
side of its foreign key.

`warehouse_ids=None` counts every warehouse; a list restricts the figures to those warehouses.
"""

import functools
import json
from collections.abc import Collection, Iterator, Mapping
from types import MappingProxyType

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils import timezone

from catalog.models import Category, Product, Variant


def _stock_levels() -> QuerySet:
    """All stock levels, through the reverse relation (no import of the stock app)."""
    return Variant._meta.get_field("stock_levels").related_model._default_manager.all()


def _levels_in(warehouse_ids: Collection[int] | None) -> QuerySet:
    levels = _stock_levels()
    if warehouse_ids is not None:
        levels = levels.filter(warehouse_id__in=list(warehouse_ids))
    return levels


def _low_level_condition() -> Q:
    """A level is low when its quantity is at or below its effective reorder level (override, else variant's),
    which the level keeps as `reorder_level`: a condition on the level alone, which its partial indexes hold.
    """
    return Q(quantity__lte=F("reorder_level"))


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
    it does when it expects many outer rows. It plans a page of 50 products as if all 10,000 were read (the LIMIT
    sits above the subqueries), so a page hashed all 100,000 stock levels, twice: 400 ms instead of 2 at the
    benchmark's scale (bench/README.md). A subquery with an aggregate is never hashed.
    """
    counted = queryset.order_by().values(group_by).annotate(rows=Count("pk")).values("rows")
    return GreaterThan(Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)), 0)


def variant_is_low_stock(*, warehouse_ids: Collection[int] | None = None) -> LessThanOrEqual:
    """True when a level of the variant is low, or when it has no level and a positive reorder level.

    A variant that was never stocked counts as 0 units: with a reorder level above 0 it needs ordering. One
    aggregate per variant: the lowest `quantity - reorder_level` of its levels is at most 0 exactly when one of them
    is low, and with no level `1 - reorder_level` stands in for it, at most 0 exactly when the reorder level is
    positive (one scalar subquery where an OR of two, one nesting an EXISTS, cost more to compile than to run).
    """
    lowest = (
        _levels_in(warehouse_ids)
        .filter(variant_id=OuterRef("pk"))
        .order_by()
        .values("variant_id")
        .annotate(lowest=Min(F("quantity") - F("reorder_level")))
        .values("lowest")
    )
    return LessThanOrEqual(Coalesce(Subquery(lowest, output_field=IntegerField()), Value(1) - F("reorder_level")), 0)


def _product_is_low_stock(warehouse_ids: Collection[int] | None) -> GreaterThan:
    """True when a variant of the product is low (`variant_is_low_stock`), in one subquery: the product's variants
    joined to their levels (in these warehouses), counting the pairs where the level is low, or where there is no
    level and the variant has a reorder level. (An OR of two subqueries, one nesting an EXISTS, cost more to compile
    than to run: the list builds this for every page.)
    """
    variants = Variant.objects.filter(product_id=OuterRef("pk"))
    levels = "stock_levels"
    if warehouse_ids is not None:
        in_warehouses = Q(stock_levels__warehouse_id__in=list(warehouse_ids))
        variants, levels = (
            variants.alias(levels_in=FilteredRelation("stock_levels", condition=in_warehouses)),
            "levels_in",
        )
    low = Q(**{f"{levels}__quantity__lte": F(f"{levels}__reorder_level")}) | Q(
        **{f"{levels}__isnull": True}, reorder_level__gt=0
    )
    return _has_rows(variants.filter(low), "product_id")


def products_low_stock(*, organization_id: int, warehouse_ids: Collection[int] | None = None) -> Q:
    """The products whose `is_low_stock` is true, as `pk__in` conditions: those with a low level, and those with a
    variant never stocked (in these warehouses) that has a reorder level.

    The same products as the annotation, found from the other end: the low levels come from their partial index (a
    few hundred), where filtering on the annotation evaluates it for every product of the organization.
    """
    low_levels = _levels_in(warehouse_ids).filter(_low_level_condition(), organization_id=organization_id)
    never_stocked = Variant.objects.filter(organization_id=organization_id, reorder_level__gt=0).filter(
        ~Exists(_levels_in(warehouse_ids).filter(variant_id=OuterRef("pk")))
    )
    return Q(pk__in=low_levels.values("variant__product_id")) | Q(pk__in=never_stocked.values("product_id"))


def product_expired_q(today, *, prefix: str = "") -> Q:
    """Products expired on `today` (a UTC date): their expiration date is today or earlier.

    `prefix` reaches the product from another model (`"variant__product__"` from a stock level).
    """
    return Q(**{f"{prefix}expiration_date__lte": today})


def _expiry_annotations() -> dict:
    today = timezone.localdate()
    return {
        "has_expiry": ExpressionWrapper(Q(expiration_date__isnull=False), output_field=BooleanField()),
        "is_expired": ExpressionWrapper(
            Q(expiration_date__isnull=False) & product_expired_q(today), output_field=BooleanField()
        ),
    }


def _lowest_price() -> Subquery:
    return Subquery(Variant.objects.filter(product_id=OuterRef("pk")).order_by("price").values("price")[:1])


# The stock annotations depend only on the warehouses they count, yet building their subqueries (querysets,
# filters, lookups) cost a page of products and variants about 1.5 ms of CPU, every request. They are built once per
# warehouse selection: annotate() resolves a copy of an expression into its query and never changes the original,
# so one expression serves every queryset (as a module-level F() or Q() would).
@functools.lru_cache(maxsize=256)
def _variant_stock_annotations(warehouse_ids: tuple[int, ...] | None) -> Mapping:
    return MappingProxyType(
        {
            "quantity": variant_quantity(warehouse_ids=warehouse_ids),
            "reserved": variant_reserved(warehouse_ids=warehouse_ids),
            "is_low_stock": variant_is_low_stock(warehouse_ids=warehouse_ids),
        }
    )


@functools.lru_cache(maxsize=256)
def _product_stock_annotations(warehouse_ids: tuple[int, ...] | None) -> Mapping:
    if warehouse_ids is None:
        # Every warehouse: the total the ledger keeps on the product, which an index orders
        # (`?ordering=total_quantity` would otherwise sort every product by a sum of its levels).
        total = F("stock_quantity")
    else:
        total = product_quantity(warehouse_ids=warehouse_ids)
    return MappingProxyType(
        {
            "total_quantity": total,
            "total_reserved": product_reserved(warehouse_ids=warehouse_ids),
            "is_low_stock": _product_is_low_stock(warehouse_ids),
        }
    )


def _as_key(warehouse_ids: Collection[int] | None) -> tuple[int, ...] | None:
    return None if warehouse_ids is None else tuple(warehouse_ids)


def variants_with_stock(queryset: QuerySet, *, warehouse_ids: Collection[int] | None = None) -> QuerySet:
    """Annotate variants with `quantity`, `reserved` and `is_low_stock`."""
    return queryset.annotate(**_variant_stock_annotations(_as_key(warehouse_ids)))


def products_with_stock(queryset: QuerySet, *, warehouse_ids: Collection[int] | None = None) -> QuerySet:
    """Annotate products with `total_quantity`, `total_reserved`, `is_low_stock`, `has_expiry` and `is_expired`."""
    return queryset.annotate(**_product_stock_annotations(_as_key(warehouse_ids)), **_expiry_annotations())


# Resolving those annotations into a queryset cost about as much again, for a queryset that depends only on the
# organization, the warehouses and the day. The two reads behind the product list keep the annotated queryset and
# work on clones of it: filter(), all() and values() copy the query, so the kept queryset is never evaluated and no
# request sees another's rows (a view's class-level `queryset` is shared the same way).
@functools.lru_cache(maxsize=256)
def _annotated_products(organization_id: int, warehouse_ids: tuple[int, ...] | None, today) -> QuerySet:
    products = products_with_stock(Product.objects.filter(organization=organization_id), warehouse_ids=warehouse_ids)
    # `price` (the lowest variant price) only orders: an alias is computed only by a query that uses it.
    return products.alias(price=_lowest_price())


@functools.lru_cache(maxsize=256)
def _variant_rows(warehouse_ids: tuple[int, ...] | None) -> QuerySet:
    """Every variant with its stock figures, as the rows a product list shows, by id: filter a clone for a page."""
    annotated = variants_with_stock(Variant.objects.all(), warehouse_ids=warehouse_ids)
    return annotated.order_by("id").values(*VARIANT_ROW_FIELDS, "quantity", "reserved", "is_low_stock")


def product_table(*, organization, warehouse_ids: Collection[int] | None = None) -> QuerySet:
    """Products of the organization with their stock figures, without relations: to filter and order, then read
    as rows with `product_rows()` (the list) or with relations through `product_list()` (everything else).
    """
    organization_id = getattr(organization, "pk", organization)
    # The day is part of the key: `is_expired` compares with today's date.
    return _annotated_products(organization_id, _as_key(warehouse_ids), timezone.localdate()).all()


def product_list(*, organization, warehouse_ids: Collection[int] | None = None) -> QuerySet:
    """Products of the organization with their stock figures and variants (each with its `quantity`)."""
    variants = variants_with_stock(Variant.objects.order_by("id"), warehouse_ids=warehouse_ids)
    return (
        product_table(organization=organization, warehouse_ids=warehouse_ids)
        .select_related("category", "supplier", "created_by")
        .prefetch_related(Prefetch("variants", queryset=variants))
    )


# A page of products read as model instances was about 300 objects (the products, their category, supplier and
# creator, the prefetched variants) and 500 parsed timestamps, most of which no response shows: two thirds of the
# list's CPU (bench/README.md). The list reads the columns it shows instead, named as the response names them.
PRODUCT_ROW_FIELDS = (
    "id",
    "name",
    "description",
    "category",
    "supplier",
    "expiration_date",
    "is_active",
    "total_quantity",
    "total_reserved",
    "is_low_stock",
    "is_expired",
    "has_expiry",
    "created_by",
    "created_at",
    "updated_at",
)
VARIANT_ROW_FIELDS = ("id", "product_id", "sku", "barcode", "attributes", "price", "cost", "reorder_level")


def product_rows(queryset: QuerySet) -> QuerySet:
    """`product_table()`'s products (filtered, ordered) as dicts: `PRODUCT_ROW_FIELDS` (foreign keys as ids) and
    `category_name`, `supplier_name`, `created_by_username`. Slice it for a page.
    """
    return queryset.values(
        *PRODUCT_ROW_FIELDS,
        category_name=F("category__name"),
        supplier_name=F("supplier__name"),
        created_by_username=F("created_by__username"),
    )


def product_variant_rows(
    product_ids: Collection[int], *, warehouse_ids: Collection[int] | None = None
) -> dict[int, list[dict]]:
    """The variants of these products as dicts (`VARIANT_ROW_FIELDS`, `quantity`, `reserved`, `is_low_stock`), in
    one query:
    {product id: its variants by id}.
    """
    by_product: dict[int, list[dict]] = {product_id: [] for product_id in product_ids}
    if not by_product:
        return by_product
    for row in _variant_rows(_as_key(warehouse_ids)).filter(product_id__in=list(by_product)):
        by_product[row["product_id"]].append(row)
    return by_product


def product_get(*, organization, pk: int, warehouse_ids: Collection[int] | None = None) -> Product:
    return product_list(organization=organization, warehouse_ids=warehouse_ids).get(pk=pk)


def variant_list(*, organization, warehouse_ids: Collection[int] | None = None) -> QuerySet:
    """Variants of the organization with their product and stock figures."""
    queryset = Variant.objects.filter(organization=organization).select_related("product")
    return variants_with_stock(queryset, warehouse_ids=warehouse_ids)


def variant_get(*, organization, pk: int) -> Variant:
    return variant_list(organization=organization).get(pk=pk)


def category_list(*, organization) -> QuerySet:
    """Categories of the organization with `product_count`."""
    queryset = Category.objects.filter(organization=organization).annotate(product_count=Count("products"))
    return queryset.order_by("name", "id")  # GROUP BY drops Meta.ordering


def category_get(*, organization, pk: int) -> Category:
    return category_list(organization=organization).get(pk=pk)


EXPORT_COLUMNS = [
    "name",
    "category",
    "sku",
    "barcode",
    "price",
    "cost",
    "reorder_level",
    "supplier",
    "product_id",
    "variant_id",
    "attributes",
    "description",
    "expiration_date",
    "is_active",
    "quantity",
]


def product_export_rows(*, organization, chunk_size: int = 2000) -> Iterator[dict]:
    """Every variant of the organization as a flat row (see EXPORT_COLUMNS), read in chunks.

    The first eight columns are the import's columns, so an exported file imports back unchanged.
    """
    queryset = (
        Variant.objects.filter(organization=organization)
        .order_by("product__name", "product_id", "id")
        .annotate(quantity=variant_quantity())
        .values(
            "id",
            "sku",
            "barcode",
            "attributes",
            "price",
            "cost",
            "reorder_level",
            "quantity",
            "product_id",
            "product__name",
            "product__description",
            "product__expiration_date",
            "product__is_active",
            "product__category__name",
            "product__supplier__name",
        )
    )
    for row in queryset.iterator(chunk_size=chunk_size):
        yield {
            "name": row["product__name"],
            "category": row["product__category__name"] or "",
            "sku": row["sku"],
            "barcode": row["barcode"] or "",
            "price": row["price"],
            "cost": row["cost"],
            "reorder_level": row["reorder_level"],
            "supplier": row["product__supplier__name"] or "",
            "product_id": row["product_id"],
            "variant_id": row["id"],
            "attributes": json.dumps(row["attributes"], ensure_ascii=False) if row["attributes"] else "",
            "description": row["product__description"],
            "expiration_date": row["product__expiration_date"] or "",
            "is_active": "true" if row["product__is_active"] else "false",
            "quantity": row["quantity"],
        }
