"""Stock levels and the append-only movement ledger.

Only `stock.services` writes these tables. The database enforces what must never break: a level is never
negative, a movement is never of zero units, one level per (variant, warehouse), and nothing with history can be
deleted from under it (PROTECT).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class MovementType(models.TextChoices):
    IN = "IN", "In"
    OUT = "OUT", "Out"


class Reason(models.TextChoices):
    OPENING = "opening", "Opening stock"
    PURCHASE = "purchase", "Purchase"
    SALE = "sale", "Sale"
    RETURN = "return", "Return"
    ADJUSTMENT = "adjustment", "Adjustment"
    TRANSFER = "transfer", "Transfer"


class StockLevel(models.Model):
    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="stock_levels")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="stock_levels")
    warehouse = models.ForeignKey("warehouses.Warehouse", on_delete=models.PROTECT, related_name="stock_levels")
    quantity = models.IntegerField(default=0, editable=False)
    reorder_level_override = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "warehouse"], name="stock_level_unique_variant_warehouse"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_level_quantity_non_negative"),
        ]
        indexes = [
            models.Index(fields=["organization", "warehouse"]),
        ]

    def __str__(self):
        return f"{self.variant_id}@{self.warehouse_id}: {self.quantity}"


class StockMovement(models.Model):
    """One change of one stock level. Append-only: never updated, never deleted."""

    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="stock_movements")
    warehouse = models.ForeignKey("warehouses.Warehouse", on_delete=models.PROTECT, related_name="stock_movements")
    movement_type = models.CharField(max_length=3, choices=MovementType.choices)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    quantity = models.PositiveIntegerField()
    balance_after = models.IntegerField()
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # What caused it, by name and id ("sales_order", 12): the ledger knows nothing of its callers' models.
    reference_type = models.CharField(max_length=32, blank=True)
    reference_id = models.BigIntegerField(null=True, blank=True)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stock_movements", null=True, blank=True
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="stock_movement_quantity_positive"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="stock_movement_balance_non_negative"),
            models.CheckConstraint(condition=Q(movement_type__in=["IN", "OUT"]), name="stock_movement_type_valid"),
        ]
        indexes = [
            models.Index(fields=["organization", "-id"]),
            models.Index(fields=["variant", "-id"]),
            models.Index(fields=["warehouse", "-id"]),
            models.Index(fields=["organization", "created_at"]),
            models.Index(fields=["reference_type", "reference_id"]),
        ]

    def __str__(self):
        return f"{self.movement_type} {self.quantity} × {self.variant_id}@{self.warehouse_id} ({self.reason})"
