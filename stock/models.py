"""Stock levels and the append-only movement ledger.

Only `stock.services` writes these tables. The database enforces what must never break: a level is never
negative, a movement is never of zero units, one level per (variant, warehouse), and nothing with history can be
deleted from under it (PROTECT).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.workflow import Workflow


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


class ReferenceType(models.TextChoices):
    """What a movement's `reference_type` names: the documents that move stock, declared once for every reader."""

    ADJUSTMENT = "adjustment", "Adjustment"
    TRANSFER = "transfer", "Transfer"
    PURCHASE_ORDER = "purchase_order", "Purchase order"
    SALES_ORDER = "sales_order", "Sales order"


def low_level_q(prefix: str = "") -> Q:
    """The one definition of low stock: a level at or below its effective reorder level (its override, else its
    variant's), which the level keeps as `reorder_level`, so that "low" is a condition on one row and a partial
    index holds it. The product list, the levels, the dashboards and the digest all ask this (`stock.figures`).

    `prefix` reaches the level from another model (`"level__"` from an alert).
    """
    return Q(**{f"{prefix}quantity__lte": F(f"{prefix}reorder_level")})


class StockLevel(models.Model):
    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="stock_levels")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="stock_levels")
    warehouse = models.ForeignKey("warehouses.Warehouse", on_delete=models.PROTECT, related_name="stock_levels")
    quantity = models.IntegerField(default=0, editable=False)
    reorder_level_override = models.PositiveIntegerField(null=True, blank=True)
    # The effective reorder level (the override, else the variant's), kept on the row so that "low" is a condition
    # on one row, which a partial index holds: asking for low stock otherwise compares every level with its variant.
    # Written by `stock.services` (a new level, an override) and by the catalog's variant writes; never by a form.
    reorder_level = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    # Units promised to pending sales orders: the sum of this level's reservations, kept by the ledger under the
    # level's row lock. `quantity - reserved` is what a sale, a fulfilment or a transfer may take.
    reserved = models.IntegerField(default=0, db_default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # What this level adds to the kept stock totals (`StockTotal`, `stock.totals`, decision 0024) as of its last
    # fold: its units, reserved units, cost and retail value, whether it was low, and the category and expiration
    # date of its product then. `totals_stale` says the level changed since (every writer of a level, or of what
    # it is worth, sets it in the same statement or transaction); the dashboards read a stale level live.
    totals_stale = models.BooleanField(default=True, db_default=True, editable=False)
    kept_counted = models.BooleanField(default=False, db_default=False, editable=False)
    kept_quantity = models.IntegerField(default=0, db_default=0, editable=False)
    kept_reserved = models.IntegerField(default=0, db_default=0, editable=False)
    kept_cost_value = models.DecimalField(max_digits=20, decimal_places=2, default=0, db_default=0, editable=False)
    kept_retail_value = models.DecimalField(max_digits=20, decimal_places=2, default=0, db_default=0, editable=False)
    kept_low = models.BooleanField(default=False, db_default=False, editable=False)
    kept_category_id = models.IntegerField(null=True, editable=False)
    kept_expiration_date = models.DateField(null=True, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "warehouse"], name="stock_level_unique_variant_warehouse"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_level_quantity_non_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0, reserved__lte=F("quantity")), name="stock_level_reserved_within_quantity"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "warehouse"]),
            # The low levels alone (a small share of all levels), by variant and by warehouse.
            models.Index(fields=["variant"], condition=low_level_q(), name="stock_level_low_by_variant"),
            # In the dashboards' order (`stock.figures.level_margin`, then units and id): a warehouse's most urgent
            # low levels are the first entries of its range, whatever the planner guesses of "quantity <= reorder
            # level" (a third of the levels: enough for a parallel sort of them all).
            models.Index(
                F("organization"),
                F("warehouse"),
                F("quantity") - F("reorder_level"),
                F("quantity"),
                F("id"),
                condition=low_level_q(),
                name="stock_level_low_by_warehouse",
            ),
            # The levels the kept totals do not include yet: few between two folds.
            models.Index(
                fields=["organization", "warehouse"], condition=Q(totals_stale=True), name="stock_level_totals_stale"
            ),
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
        ordering = ["-created_at", "-id"]  # newest first, as the list pages them
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="stock_movement_quantity_positive"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="stock_movement_balance_non_negative"),
            models.CheckConstraint(condition=Q(movement_type__in=["IN", "OUT"]), name="stock_movement_type_valid"),
        ]
        # The list pages newest first by (created_at, id) and each filter has an index in that order, so a date range
        # (`?created_before=`) and the cursor's position are both ranges of one index. Read backwards, the same
        # indexes serve the date-range readers oldest first (reports, dashboard trends).
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="stock_mov_org_newest"),
            models.Index(fields=["variant", "-created_at", "-id"], name="stock_mov_variant_newest"),
            models.Index(fields=["warehouse", "-created_at", "-id"], name="stock_mov_warehouse_newest"),
            # `?reason=`: a rare reason (returns, transfers) otherwise walks the whole organization's ledger.
            models.Index(fields=["organization", "reason", "-created_at", "-id"], name="stock_mov_reason_newest"),
            models.Index(fields=["reference_type", "reference_id"]),
        ]

    def __str__(self):
        return f"{self.movement_type} {self.quantity} × {self.variant_id}@{self.warehouse_id} ({self.reason})"


class StockReservation(models.Model):
    """Units of one level promised to one line of a pending document (a sales order line), until it is fulfilled,
    rejected or cancelled; then the row is deleted.

    The row lives as long as the line is pending, even at 0 units: `requested - quantity` is what the line is still
    short of, which incoming stock tops up (oldest row first). Like a movement's reference (decision 0005), the
    document is named by type, id and number, so the ledger knows nothing of its callers' models. Only
    `stock.services` writes these rows, under their level's row lock, and keeps `StockLevel.reserved` their sum.
    Reserving moves nothing, so it writes no movement.
    """

    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="+")
    # No index of its own: (level, id) below serves every lookup by level.
    level = models.ForeignKey(StockLevel, on_delete=models.PROTECT, related_name="reservations", db_index=False)
    reference_type = models.CharField(max_length=32)
    reference_id = models.BigIntegerField()
    reference_number = models.CharField(max_length=32, blank=True)
    line_id = models.BigIntegerField()
    requested = models.PositiveIntegerField()
    quantity = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["reference_type", "line_id"], name="stock_reservation_one_per_line"),
            models.CheckConstraint(condition=Q(requested__gt=0), name="stock_reservation_requested_positive"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0, quantity__lte=F("requested")),
                name="stock_reservation_quantity_within_requested",
            ),
        ]
        indexes = [
            # A level's reservations in age order: newest first to shrink, the short ones oldest first to top up.
            models.Index(fields=["level", "id"], name="stock_reservation_level_age"),
            models.Index(
                fields=["level", "id"],
                condition=Q(quantity__lt=F("requested")),
                name="stock_reservation_level_short",
            ),
            models.Index(fields=["reference_type", "reference_id"], name="stock_reservation_reference"),
            models.Index(fields=["organization", "-id"], name="stock_reservation_org_newest"),
        ]

    def __str__(self):
        return f"{self.quantity}/{self.requested} of level {self.level_id} for {self.reference_number or self.line_id}"

    @property
    def shortfall(self) -> int:
        return self.requested - self.quantity


class AdjustmentReason(models.TextChoices):
    OPENING = "opening", "Opening stock"
    ADJUSTMENT = "adjustment", "Adjustment"


class StockAdjustment(models.Model):
    """A manual change of one level: a signed delta, or a physical count turned into a delta under the lock.

    `quantity` is the delta actually applied (0 when a count matched the books, and then `movement` is null).
    """

    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="stock_adjustments")
    warehouse = models.ForeignKey("warehouses.Warehouse", on_delete=models.PROTECT, related_name="stock_adjustments")
    quantity = models.IntegerField(default=0)
    counted_quantity = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=16, choices=AdjustmentReason.choices, default=AdjustmentReason.ADJUSTMENT)
    note = models.TextField(blank=True)
    movement = models.OneToOneField(
        StockMovement, on_delete=models.PROTECT, related_name="adjustment", null=True, blank=True
    )
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stock_adjustments", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organization", "-id"]),
            # The list's orderings, so that a page is an index range, not a sort of every adjustment.
            models.Index(fields=["organization", "created_at"], name="stock_adj_org_created_at"),
            models.Index(fields=["organization", "quantity"], name="stock_adj_org_quantity"),
            models.Index(fields=["organization", "reason", "id"], name="stock_adj_org_reason"),
        ]

    def __str__(self):
        return f"Adjustment {self.pk}: {self.quantity:+d} × {self.variant_id}@{self.warehouse_id}"


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    COMPLETED = "completed", "Completed"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


class Transfer(models.Model):
    """Stock moving between two warehouses of one organization; applied once, on approval."""

    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="+")
    number = models.CharField(max_length=32)
    source_warehouse = models.ForeignKey(
        "warehouses.Warehouse", on_delete=models.PROTECT, related_name="outgoing_transfers"
    )
    destination_warehouse = models.ForeignKey(
        "warehouses.Warehouse", on_delete=models.PROTECT, related_name="incoming_transfers"
    )
    status = models.CharField(max_length=16, choices=TransferStatus.choices, default=TransferStatus.REQUESTED)
    note = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="transfers_requested", null=True, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="transfers_decided", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # A transfer from a warehouse to itself would write an OUT and an IN that net to nothing, or worse.
            models.CheckConstraint(
                condition=~Q(source_warehouse=models.F("destination_warehouse")),
                name="transfer_source_differs_from_destination",
            ),
            models.UniqueConstraint(fields=["organization", "number"], name="transfer_number_unique_per_org"),
        ]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["organization", "-id"]),
        ]

    def __str__(self):
        return self.number or f"Transfer {self.pk}"


TRANSFER_WORKFLOW = Workflow(
    model=Transfer,
    transitions={
        TransferStatus.REQUESTED: frozenset(
            {TransferStatus.COMPLETED, TransferStatus.REJECTED, TransferStatus.CANCELLED}
        ),
        TransferStatus.COMPLETED: frozenset(),
        TransferStatus.REJECTED: frozenset(),
        TransferStatus.CANCELLED: frozenset(),
    },
    number_prefix="TR",
    reference_type=ReferenceType.TRANSFER,
    noun="transfer",
)


class TransferItem(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="items")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="transfer_items")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="transfer_item_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.variant_id}"


class LowStockAlert(models.Model):
    """A stock level at or below its effective reorder level, from the job run that saw it drop to the one that saw
    it rise above.

    Opened and closed only by `stock.alerts.low_stock_alerts_refresh`, in bulk. At most one open alert per level
    (a partial unique constraint), so two runs at once cannot open it twice; a level that recovers and drops again
    gets a new alert. The organization is the level's: a first run can open 100,000 alerts in one statement, and a
    second foreign key and index per row would cost about as much as the rest of the job.
    """

    # No index of its own: the partial unique index serves every lookup of open alerts, and levels are never deleted.
    level = models.ForeignKey(StockLevel, on_delete=models.CASCADE, related_name="low_stock_alerts", db_index=False)
    quantity_at_open = models.IntegerField()
    reorder_level_at_open = models.PositiveIntegerField()
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["level"], condition=Q(closed_at__isnull=True), name="low_stock_alert_one_open_per_level"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=models.F("opened_at")),
                name="low_stock_alert_closes_after_opening",
            ),
        ]

    def __str__(self):
        state = "open" if self.closed_at is None else "closed"
        return f"Low stock alert {self.pk} on level {self.level_id} ({state})"


class LowStockDigestState(models.TextChoices):
    PENDING = "pending", "Pending"  # claimed; sending, or interrupted while sending
    SENT = "sent", "Sent"


class LowStockDigest(models.Model):
    """The delivery log of the low-stock e-mail: one row per recipient and (UTC) day.

    A run claims the row (a unique insert, state `pending`) before sending and marks it `sent` after; the unique
    constraint is what keeps a second run, a retry or a second beat from e-mailing the same person twice that day.
    """

    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    state = models.CharField(max_length=16, choices=LowStockDigestState.choices, default=LowStockDigestState.PENDING)
    email = models.EmailField()
    subject = models.CharField(max_length=255)
    alert_count = models.PositiveIntegerField()
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="low_stock_digest_one_per_recipient_day"),
            models.CheckConstraint(condition=Q(state__in=["pending", "sent"]), name="low_stock_digest_state_valid"),
        ]
        indexes = [models.Index(fields=["organization", "-day"])]

    def __str__(self):
        return f"Low-stock digest for {self.recipient_id} on {self.day} ({self.state})"


# The kept figures (tallies the dashboards read) live in their own module; importing them here registers them.
from stock.kept_models import MovementDay, StockExpiry, StockTotal  # noqa: E402, F401
