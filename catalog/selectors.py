"""Reads of the catalog, returned as querysets already shaped for their serializers.

Stock figures (`quantity` per variant, `total_quantity` and `is_low_stock` per product) are database annotations
over the stock levels, so a page of 5 or 100 products costs the same number of queries; a product's total over every
warehouse is the `stock_quantity` the ledger keeps on it. The catalog sits below the stock app and never imports it:
the annotations come through the seam the stock app fills (`catalog.stock_figures`).

`warehouse_ids=None` counts every warehouse; a list restricts the figures to those warehouses.
"""

import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import Category, Product, Variant
from catalog.stock_figures import stock_figures
from core.kept import kept_queryset, kept_rows_for_ids


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


def _as_key(warehouse_ids: Collection[int] | None) -> tuple[int, ...] | None:
    return None if warehouse_ids is None else tuple(warehouse_ids)


def variants_with_stock(queryset: QuerySet, *, warehouse_ids: Collection[int] | None = None) -> QuerySet:
    """Annotate variants with `quantity`, `reserved` and `is_low_stock`."""
    return queryset.annotate(**stock_figures().variant_annotations(_as_key(warehouse_ids)))


def products_with_stock(queryset: QuerySet, *, warehouse_ids: Collection[int] | None = None) -> QuerySet:
    """Annotate products with `total_quantity`, `total_reserved`, `is_low_stock`, `has_expiry` and `is_expired`."""
    return queryset.annotate(**stock_figures().product_annotations(_as_key(warehouse_ids)), **_expiry_annotations())


# The two reads behind the product list keep their annotated querysets (core.kept).
@kept_queryset
def _annotated_products(organization_id: int, warehouse_ids: tuple[int, ...] | None, today) -> QuerySet:
    products = products_with_stock(Product.objects.filter(organization=organization_id), warehouse_ids=warehouse_ids)
    # `price` (the lowest variant price, kept on the product) only orders: no response shows it.
    return products.alias(price=F("min_price"))


@kept_queryset
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
    return _annotated_products(organization_id, _as_key(warehouse_ids), timezone.localdate())


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
    for row in _variant_rows_of(_as_key(warehouse_ids), tuple(by_product)):
        by_product[row["product_id"]].append(row)
    return by_product


@kept_rows_for_ids
def _variant_rows_of(warehouse_ids: tuple[int, ...] | None, product_ids: tuple[int, ...]) -> QuerySet:
    # Compiled once per warehouses and page length (`core.kept`): the stock figures' subqueries cost more to
    # compile than to run for a page.
    return _variant_rows(warehouse_ids).filter(product_id__in=product_ids)


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


def category_rows(queryset: QuerySet) -> QuerySet:
    """`category_list()`'s categories (filtered, ordered) as dicts of what `CategorySerializer` shows."""
    return queryset.values("id", "name", "description", "product_count", "created_at")


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
        .annotate(quantity=stock_figures().variant_annotations(None)["quantity"])
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


@dataclass(frozen=True)
class KeptPriceDifference:
    """A product whose kept `min_price` is not its variants' lowest price."""

    pk: int
    name: str
    stored: Decimal | None
    computed: Decimal | None

    def __str__(self):
        return (
            f"product {self.pk} ({self.name}) records min_price {self.stored}, its variants' lowest is {self.computed}"
        )


def product_min_price_differences(organization_id: int | None = None, limit: int = 100) -> list[KeptPriceDifference]:
    """Products whose kept `min_price` is not their variants' lowest price (None without variants), the first
    `limit`: what `check_stock_integrity` reports for the catalog (the stock app calls it; the catalog cannot).
    """
    products = (
        Product.objects.all() if organization_id is None else Product.objects.filter(organization_id=organization_id)
    )
    lowest = (
        Variant.objects.filter(product_id=OuterRef("pk")).order_by().values("product_id").annotate(low=Min("price"))
    )
    # Prices are never negative: -1 stands for "none" on both sides, so that None equals None and nothing else.
    none = Value(Decimal("-1"))
    rows = (
        products.alias(stored=Coalesce("min_price", none), computed=Coalesce(Subquery(lowest.values("low")), none))
        .exclude(stored=F("computed"))
        .annotate(computed_price=Subquery(lowest.values("low"), output_field=Product._meta.get_field("min_price")))
        .order_by("pk")
        .values_list("pk", "name", "min_price", "computed_price")[:limit]
    )
    cents = Decimal("0.01")  # SQLite's MIN of a decimal column comes back unscaled (5 for 5.00)
    return [
        KeptPriceDifference(pk, name, stored, None if computed is None else computed.quantize(cents))
        for pk, name, stored, computed in rows
    ]
