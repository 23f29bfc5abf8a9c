from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q


class Category(models.Model):
    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="category_name_unique_per_org"),
        ]

    def __str__(self):
        return self.name


class Product(models.Model):
    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="products")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products", null=True, blank=True)
    supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.SET_NULL, related_name="products", null=True, blank=True
    )
    expiration_date = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Units in stock over every variant and warehouse. Written only by the stock ledger, in the transaction that
    # changes the levels, so that the product list can order by it through an index (a sum over the levels of
    # each product is a sort of every product). Catalog writes never save it: see `product_update`.
    stock_quantity = models.BigIntegerField(default=0, db_default=0, editable=False)
    # The lowest price of its variants (None without variants), kept by every catalog write of a variant's price,
    # a new variant or a deleted one, in that write's transaction (`catalog.services.products_follow_prices`), so
    # that `?ordering=price` reads an index instead of sorting every product by a subquery.
    min_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock_quantity__gte=0), name="product_stock_quantity_non_negative"),
        ]
        indexes = [
            models.Index(fields=["organization", "name"]),
            models.Index(fields=["organization", "created_at"]),
            models.Index(fields=["organization", "expiration_date"]),
            models.Index(fields=["organization", "stock_quantity", "id"], name="product_org_stock_quantity"),
            models.Index(fields=["organization", "updated_at"], name="product_org_updated_at"),
            models.Index(fields=["organization", "min_price", "id"], name="product_org_min_price"),
        ]

    def __str__(self):
        return self.name

    @property
    def total_available(self) -> int:
        """Units not promised to pending orders; needs `catalog.selectors`' stock annotations."""
        return self.total_quantity - self.total_reserved


class Variant(models.Model):
    """A sellable SKU of a product. Stock is kept per variant and warehouse (see `stock`)."""

    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="variants")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(max_length=64)
    barcode = models.CharField(max_length=64, null=True, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    # Weighted average purchase cost, maintained by receipts (may be set by hand before any receipt).
    cost = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    reorder_level = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "sku"], name="variant_sku_unique_per_org"),
            models.UniqueConstraint(
                fields=["organization", "barcode"],
                condition=Q(barcode__isnull=False),
                name="variant_barcode_unique_per_org",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="variant_price_non_negative"),
            models.CheckConstraint(condition=Q(cost__gte=0), name="variant_cost_non_negative"),
            models.CheckConstraint(condition=Q(reorder_level__gte=0), name="variant_reorder_level_non_negative"),
        ]
        # The list's orderings on plain columns, so that a page is an index range, not a sort of every variant.
        indexes = [
            models.Index(fields=["organization", "price"], name="variant_org_price"),
            models.Index(fields=["organization", "created_at"], name="variant_org_created_at"),
        ]

    def __str__(self):
        return self.sku

    @property
    def available(self) -> int:
        """Units not promised to pending orders; needs `catalog.selectors`' stock annotations."""
        return self.quantity - self.reserved
