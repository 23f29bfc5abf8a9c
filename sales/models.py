"""Sales orders: a sale out of one warehouse, or a purchase request (`pending`) waiting for approval.

Only `sales.services` changes an order's status, and only through it does a sale touch stock (via the ledger).
The database enforces what must never break: one number per organization, positive quantities, non-negative
prices, and never more returned than sold on a line.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from core.pagination import lines_count
from core.workflow import Workflow
from stock.models import ReferenceType, StockReservation

MONEY = {"max_digits": 12, "decimal_places": 2}
LINE_TOTAL = DecimalField(max_digits=14, decimal_places=2)
CENT = Decimal("0.01")


class SalesOrderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    FULFILLED = "fulfilled", "Fulfilled"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"
    PARTIALLY_RETURNED = "partially_returned", "Partially returned"
    RETURNED = "returned", "Returned"


# What a new order may be: a purchase request waiting for approval, or a sale that takes the stock at once.
CREATABLE_STATUS_CHOICES = [
    (SalesOrderStatus.PENDING.value, SalesOrderStatus.PENDING.label),
    (SalesOrderStatus.FULFILLED.value, SalesOrderStatus.FULFILLED.label),
]

# The only moves there are. A status reached by no arrow (pending) can never be re-entered, which is what makes
# "fulfil, toggle back, fulfil again" impossible.
TRANSITIONS: dict[str, frozenset[str]] = {
    SalesOrderStatus.PENDING: frozenset(
        {SalesOrderStatus.FULFILLED, SalesOrderStatus.REJECTED, SalesOrderStatus.CANCELLED}
    ),
    SalesOrderStatus.FULFILLED: frozenset({SalesOrderStatus.PARTIALLY_RETURNED, SalesOrderStatus.RETURNED}),
    SalesOrderStatus.PARTIALLY_RETURNED: frozenset({SalesOrderStatus.PARTIALLY_RETURNED, SalesOrderStatus.RETURNED}),
    SalesOrderStatus.REJECTED: frozenset(),
    SalesOrderStatus.CANCELLED: frozenset(),
    SalesOrderStatus.RETURNED: frozenset(),
}

# Statuses in which the order's stock has left the warehouse (net of returns).
SHIPPED_STATUSES = frozenset(
    {SalesOrderStatus.FULFILLED, SalesOrderStatus.PARTIALLY_RETURNED, SalesOrderStatus.RETURNED}
)


def line_total_expression():
    return ExpressionWrapper(F("quantity") * F("unit_price"), output_field=LINE_TOTAL)


def quantity_reserved_expression():
    """Units the line `OuterRef("pk")` holds (its reservation row, kept by the ledger while the order is pending)."""
    held = StockReservation.objects.filter(reference_type="sales_order", line_id=OuterRef("pk")).values("quantity")
    return Coalesce(Subquery(held[:1], output_field=models.IntegerField()), 0)


class ReservationStatus(models.TextChoices):
    RESERVED = "reserved", "Every line fully reserved"
    PARTIAL = "partial", "Some units reserved"
    NONE = "none", "Nothing reserved"


def _reservation_figures() -> dict:
    """`units_reserved` and `lines_fully_reserved` of the order `OuterRef("pk")`, over all its lines: a list shows
    only some of them, and `reservation_status` speaks of the whole order.
    """
    lines = (
        SalesOrderItem.objects.filter(order=OuterRef("pk"))
        .annotate(held=quantity_reserved_expression())
        .order_by()
        .values("order")
    )
    units = lines.annotate(units=models.Sum("held")).values("units")
    full = lines.filter(held=F("quantity")).annotate(full=models.Count("pk")).values("full")
    return {
        "units_reserved": Coalesce(Subquery(units, output_field=models.IntegerField()), 0),
        "lines_fully_reserved": Coalesce(Subquery(full, output_field=models.IntegerField()), 0),
    }


def order_total(lines) -> Decimal:
    """Σ quantity × unit_price of `(quantity, unit_price)` pairs, each price in cents as its column stores it: the
    order's kept `total_amount`. Returns do not reduce it (it is what the order was sold for).
    """
    return sum((quantity * Decimal(price).quantize(CENT) for quantity, price in lines), Decimal("0.00"))


def computed_total_expression():
    """The order `OuterRef("pk")`'s total from its lines, as SQL: what `total_amount` must equal."""
    totals = (
        SalesOrderItem.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(total=Sum(line_total_expression()))
        .values("total")
    )
    return Coalesce(Subquery(totals, output_field=LINE_TOTAL), 0, output_field=LINE_TOTAL)


class SalesOrderQuerySet(models.QuerySet):
    def refresh_totals(self) -> int:
        """Write each order's `total_amount` from its lines (after lines were edited outside the services)."""
        return self.update(total_amount=computed_total_expression())

    def with_details(self, *, items_limit: int | None = None):
        """Everything the read serializer touches, in a fixed number of queries whatever the size; `items_limit`
        lines per order at most (a list's), read with one windowed query.
        """
        items = (
            SalesOrderItem.objects.select_related("variant__product")
            .annotate(line_total=line_total_expression(), quantity_reserved=quantity_reserved_expression())
            .order_by("id")
        )
        if items_limit is not None:
            items = items[:items_limit]
        return (
            self.select_related("warehouse", "created_by", "decided_by")
            .prefetch_related(Prefetch("items", queryset=items, to_attr="lines"))
            .annotate(items_count=lines_count(SalesOrderItem, "order"), **_reservation_figures())
        )


class SalesOrder(models.Model):
    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="sales_orders")
    number = models.CharField(max_length=16, editable=False)
    warehouse = models.ForeignKey("warehouses.Warehouse", on_delete=models.PROTECT, related_name="sales_orders")
    customer_name = models.CharField(max_length=200, blank=True)
    customer_email = models.EmailField(blank=True)
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=SalesOrderStatus.choices, default=SalesOrderStatus.PENDING)
    rejection_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sales_orders_created"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="sales_orders_decided",
        null=True,
        blank=True,
        help_text="Who fulfilled, rejected or cancelled it.",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Σ quantity × unit_price of its lines, kept by `sales.services` in the transaction that writes them, so
    # `?ordering=total_amount` reads an index instead of summing every order's lines.
    total_amount = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0.00"), db_default=Decimal("0.00"), editable=False
    )

    objects = SalesOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="sales_order_number_unique_per_org"),
            models.CheckConstraint(condition=Q(status__in=SalesOrderStatus.values), name="sales_order_status_valid"),
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at"]),
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["organization", "fulfilled_at"]),
            models.Index(fields=["organization", "total_amount", "id"], name="sales_order_org_total"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_pending(self) -> bool:
        return self.status == SalesOrderStatus.PENDING

    def with_written_details(self, items, held: dict[int, int]) -> "SalesOrder":
        """The order, just created with `items`, as `with_details()` would read it back, from the rows its creation
        wrote: its lines (`lines`, with `line_total` and `quantity_reserved`: `held`, units held by line id),
        `items_count` and the reservation figures. The items' variants must carry their product.
        """
        for item in items:
            item.line_total = item.quantity * item.unit_price
            item.quantity_reserved = held.get(item.pk, 0)
        self.lines = list(items)
        self.items_count = len(self.lines)
        self.units_reserved = sum(item.quantity_reserved for item in self.lines)
        self.lines_fully_reserved = sum(item.quantity_reserved == item.quantity for item in self.lines)
        return self

    @property
    def reservation_status(self) -> str:
        """What the order holds now, from its lines' `quantity_reserved` (the figures of `with_details()`, over
        every line): a non-pending order holds nothing.
        """
        if hasattr(self, "units_reserved"):
            held, full = self.units_reserved, self.lines_fully_reserved == self.items_count
        else:
            items = list(self.items.all())
            held = sum(item.quantity_reserved for item in items)
            full = all(item.quantity_reserved == item.quantity for item in items)
        if held and full:
            return ReservationStatus.RESERVED
        return ReservationStatus.PARTIAL if held else ReservationStatus.NONE


SALES_ORDER_WORKFLOW = Workflow(
    model=SalesOrder,
    transitions=TRANSITIONS,
    number_prefix="SO",
    reference_type=ReferenceType.SALES_ORDER,
    noun="order",
)


class SalesOrderItem(models.Model):
    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="items")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="sales_order_items")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(**MONEY)
    quantity_returned = models.PositiveIntegerField(default=0)
    # The unit cost recorded on this line's sale movement (the variant's cost when it was fulfilled); returns put
    # the stock back at this cost so cost of goods sold nets out.
    unit_cost = models.DecimalField(**MONEY, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sales_item_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="sales_item_unit_price_non_negative"),
            models.CheckConstraint(
                condition=Q(quantity_returned__gte=0, quantity_returned__lte=F("quantity")),
                name="sales_item_returned_within_quantity",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.variant_id}"

    @property
    def quantity_left(self) -> int:
        """Units sold on this line that have not come back."""
        return self.quantity - self.quantity_returned


# Sums of quantity × price can outgrow a price column: 20 digits hold any realistic turnover.
TALLY_MONEY = {"max_digits": 20, "decimal_places": 2, "default": 0}


class SalesDay(models.Model):
    """The sales of one warehouse fulfilled on one UTC day, net of their returns since: kept for the dashboard.

    Insert-only tally rows (decision 0023), written by `sales.services` in the fulfil and return transactions and
    folded per key by `sales.kept.compact`. `orders` counts the orders not fully returned; `cost` is the cost of
    goods sold read from the sale movements (less the returns', at the sale's cost).
    """

    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="+")
    warehouse = models.ForeignKey("warehouses.Warehouse", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    # Who fulfilled the orders (the warehouse dashboard's staff activity); the orders keep the user, so no key here.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # `sales_day_decider` starts with it
        null=True,
        related_name="+",
    )
    orders = models.BigIntegerField(default=0)
    units = models.BigIntegerField(default=0)
    amount = models.DecimalField(**TALLY_MONEY)
    cost = models.DecimalField(**TALLY_MONEY)
    fulfilled = models.BigIntegerField(default=0)  # orders fulfilled, whatever came back since

    class Meta:
        indexes = [
            models.Index(fields=["organization", "day"], name="sales_day_org_day"),
            models.Index(fields=["warehouse", "day"], name="sales_day_warehouse_day"),
            # A person's days in one warehouse (the staff activity): as few entries whatever the history.
            models.Index(fields=["decided_by", "warehouse", "day"], name="sales_day_decider"),
        ]

    def __str__(self):
        return f"{self.day} {self.warehouse_id}: {self.orders} orders, {self.units} units"


class SalesVariantDay(models.Model):
    """Units and revenue of one variant sold from one warehouse on one UTC day, net of returns (top products).

    Unlike the day tallies this table has as many rows as (variant, warehouse, day)s were sold, close to one per
    sales line, so each key keeps one row, upserted.
    """

    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="+")
    warehouse = models.ForeignKey("warehouses.Warehouse", on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    units = models.BigIntegerField(default=0)
    revenue = models.DecimalField(**TALLY_MONEY)

    class Meta:
        # One row per key, added to in place (`sales.kept`): the key lies within the lock domain of the level the
        # sale or return changes (same variant and warehouse), so it adds a statement but no new contention.
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "variant", "day"], name="sales_varday_one_per_key"),
        ]
        indexes = [models.Index(fields=["organization", "day"], name="sales_varday_org_day")]

    def __str__(self):
        return f"{self.day} {self.variant_id}@{self.warehouse_id}: {self.units} units"


class ProductPeriod(models.IntegerChoices):
    DAY = 1, "UTC day"
    WEEK = 7, "ISO week (Monday to Sunday, UTC)"


class SalesProductPeriod(models.Model):
    """Units and revenue of one product sold from any warehouse over one period, net of returns since: a UTC day
    (`days` = 1) or the ISO week that starts on `start` (`days` = 7). Kept for the top products (decision 0025).

    Insert-only tally rows (decision 0023), written by `sales.kept_products` with the variant days and folded by its
    `compact`. A product's sales fold across its variants and warehouses here (the variant days barely fold), and a
    range reads its whole weeks as one row per product. Revenue is kept in cents: summed as integers, a month of
    rows groups in a fraction of the time decimals take.
    """

    # Both keys' lookups are served by the period index, which starts with the organization.
    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, db_index=False, related_name="+")
    # A product with sales cannot be deleted (its lines protect its variants): no key to check at every commit.
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    start = models.DateField()
    days = models.PositiveSmallIntegerField(choices=ProductPeriod.choices)
    units = models.BigIntegerField(default=0)
    revenue_cents = models.BigIntegerField(default=0)
    # Written by the compaction only: the rows the writers add since are the only ones it has to look at.
    folded = models.BooleanField(default=False, db_default=False)

    class Meta:
        indexes = [
            # Every column a range reads, in the key (the rows never change in place): an index-only read.
            models.Index(
                fields=["organization", "days", "start", "product", "units", "revenue_cents"],
                name="sales_prodper_org_period",
            ),
            models.Index(
                fields=["organization", "days", "start", "product"],
                condition=Q(folded=False),
                name="sales_prodper_new",
            ),
        ]

    def __str__(self):
        return f"{self.start}+{self.days} {self.product_id}: {self.units} units"
