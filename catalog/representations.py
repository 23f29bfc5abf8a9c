"""The catalog's read shapes, built directly: what `ProductSerializer` and `ProductVariantSerializer` write, as
plain dicts.

A page of products is its products and their variants: through DRF's per-field machinery (get_attribute, field
to_representation, nested serializers) that was a third of the request's CPU (decision 0009, bench/README.md). The
read serializers keep their declared fields (validation, OpenAPI schema) but build their output here, producing
exactly what those fields would. The product list does not build model instances at all: it shapes rows
(`product_rows_data`).
"""

from django.utils import timezone

from core.formats import iso_date, iso_datetime, money

# The columns a variant shows inside its product, named as the model and `selectors.product_variant_rows()` name them.
VARIANT_IN_PRODUCT = (
    "id",
    "sku",
    "barcode",
    "attributes",
    "price",
    "cost",
    "reorder_level",
    "quantity",
    "reserved",
    "is_low_stock",
)


def variant_in_product(variant) -> dict:
    return variant_row_in_product({name: getattr(variant, name) for name in VARIANT_IN_PRODUCT})


def variant_row_in_product(row: dict) -> dict:
    """A variant as its product shows it, from its columns (a `selectors.product_variant_rows()` row)."""
    return {
        "id": row["id"],
        "sku": row["sku"],
        "barcode": row["barcode"],
        "attributes": row["attributes"],
        "price": money(row["price"]),
        "cost": money(row["cost"]),
        "reorder_level": row["reorder_level"],
        "quantity": row["quantity"],
        "reserved": row["reserved"],
        "available": row["quantity"] - row["reserved"],
        "is_low_stock": bool(row["is_low_stock"]),
    }


def product_row_data(row: dict, variants: list[dict], zone) -> dict:
    """A product as the API shows it, from its columns (a `selectors.product_rows()` row) and its variants' rows.

    The one place that shapes a product: `ProductSerializer` gives it a product's values, and the product list gives
    it the rows of a page directly (no model instances).
    """
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "category": row["category"],
        "category_name": row["category_name"],
        "supplier": row["supplier"],
        "supplier_name": row["supplier_name"],
        "expiration_date": iso_date(row["expiration_date"]),
        "is_active": row["is_active"],
        "variants": [variant_row_in_product(variant) for variant in variants],
        "total_quantity": row["total_quantity"],
        "total_available": row["total_quantity"] - row["total_reserved"],
        "is_low_stock": bool(row["is_low_stock"]),
        "is_expired": bool(row["is_expired"]),
        "has_expiry": bool(row["has_expiry"]),
        "created_by": (
            {"id": row["created_by"], "username": row["created_by_username"]}
            if row["created_by"] is not None
            else None
        ),
        "created_at": iso_datetime(row["created_at"], zone),
        "updated_at": iso_datetime(row["updated_at"], zone),
    }


def product_rows_data(rows, variants_by_product: dict[int, list[dict]]) -> list[dict]:
    """The product list's results from `selectors.product_rows()` and `selectors.product_variant_rows()`: for each
    product exactly what `ProductSerializer` writes for it (tests/catalog/test_product_rows.py holds them equal).
    """
    zone = timezone.get_current_timezone()
    return [product_row_data(row, variants_by_product[row["id"]], zone) for row in rows]


def product_data(product) -> dict:
    """A product as `ProductSerializer` writes it, from an instance with `product_list()`'s annotations and
    relations.
    """
    category, supplier, created_by = product.category, product.supplier, product.created_by
    row = {
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "category": product.category_id,
        "category_name": category.name if category is not None else None,
        "supplier": product.supplier_id,
        "supplier_name": supplier.name if supplier is not None else None,
        "expiration_date": product.expiration_date,
        "is_active": product.is_active,
        "total_quantity": product.total_quantity,
        "total_reserved": product.total_reserved,
        "is_low_stock": product.is_low_stock,
        "is_expired": product.is_expired,
        "has_expiry": product.has_expiry,
        "created_by": product.created_by_id,
        "created_by_username": created_by.username if created_by is not None else None,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }
    variants = [{name: getattr(variant, name) for name in VARIANT_IN_PRODUCT} for variant in product.variants.all()]
    return product_row_data(row, variants, timezone.get_current_timezone())
