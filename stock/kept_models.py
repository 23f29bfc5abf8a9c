"""The kept figures the dashboards read instead of the raw rows (decisions 0023 and 0024): insert-only tallies."""

from django.conf import settings
from django.db import models

from stock.models import Reason


class MovementDay(models.Model):
    """Units in and out of one warehouse on one UTC day for one reason and performer: a kept part of the ledger's sums.

    Insert-only tally rows (decision 0023): the ledger adds one row per (warehouse, day, reason) it touched, in the
    transaction that writes the movements, and `stock.kept.compact` later folds the rows of a key into one, in one
    transaction. No row is ever updated in place, so writers take no lock on it; the sum of a key's rows is always
    Σ quantity of that key's movements.
    """

    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="+")
    warehouse = models.ForeignKey("warehouses.Warehouse", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    reason = models.CharField(max_length=16, choices=Reason.choices)
    # Who performed them (the warehouse dashboard's staff activity); the movements keep the user, so no key here.
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # `stock_movday_performer` starts with it
        null=True,
        related_name="+",
    )
    units_in = models.BigIntegerField(default=0)
    units_out = models.BigIntegerField(default=0)
    movements = models.BigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "day"], name="stock_movday_org_day"),
            models.Index(fields=["warehouse", "day"], name="stock_movday_warehouse_day"),
            # A person's days in one warehouse (the staff activity): as few entries whatever the history.
            models.Index(fields=["performed_by", "warehouse", "day"], name="stock_movday_performer"),
        ]

    def __str__(self):
        return f"{self.day} {self.warehouse_id} {self.reason}: +{self.units_in} -{self.units_out}"


class StockTotal(models.Model):
    """Units, reserved units, cost and retail value, low and all levels of one warehouse and one category: the kept
    sums behind `/api/dashboard/` and the warehouse dashboard's stock figures (`StockExpiry` adds the expired part).

    Insert-only tally rows (`core.tallies`, decisions 0023 and 0024): `stock.totals.fold` moves what the stale
    levels add from their kept parts to their current ones by inserting the differences, and `compact` folds the
    rows of a key into one. A level's figures are these rows plus, while it is stale, its current part less its
    kept one. `category_id` is the product's category as it was at the fold (no key: a category is deleted only
    without products).
    """

    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="+")
    warehouse = models.ForeignKey("warehouses.Warehouse", on_delete=models.CASCADE, related_name="+")
    category_id = models.IntegerField(null=True)
    quantity = models.BigIntegerField(default=0)
    reserved = models.BigIntegerField(default=0)
    cost_value = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    retail_value = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    low = models.BigIntegerField(default=0)
    levels = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["organization", "warehouse"], name="stock_total_org_warehouse")]

    def __str__(self):
        return f"{self.warehouse_id}/{self.category_id}: {self.quantity} units"


class StockExpiry(models.Model):
    """The cost value of the stock of products that expire on one date, per warehouse and category: the part of the
    totals that "expired" (expiration date today or earlier) reads, only the dates already past. Kept as
    `StockTotal` is, by the same folds.
    """

    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="+")
    warehouse = models.ForeignKey("warehouses.Warehouse", on_delete=models.CASCADE, related_name="+")
    category_id = models.IntegerField(null=True)
    expiration_date = models.DateField()
    cost_value = models.DecimalField(max_digits=20, decimal_places=2, default=0)

    class Meta:
        indexes = [models.Index(fields=["organization", "expiration_date"], name="stock_expiry_org_date")]

    def __str__(self):
        return f"{self.warehouse_id}/{self.category_id} expiring {self.expiration_date}: {self.cost_value}"
