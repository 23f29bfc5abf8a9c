"""The product routes and the fields their contract promises, shared by the product API tests."""

URL = "/api/products/"

PRODUCT_FIELDS = {
    "id",
    "name",
    "description",
    "category",
    "category_name",
    "supplier",
    "expiration_date",
    "is_active",
    "variants",
    "total_quantity",
    "is_low_stock",
    "is_expired",
    "has_expiry",
    "created_by",
    "created_at",
    "updated_at",
}
VARIANT_FIELDS = {"id", "sku", "barcode", "attributes", "price", "cost", "reorder_level", "quantity"}


def detail(product):
    return f"{URL}{product.pk}/"
