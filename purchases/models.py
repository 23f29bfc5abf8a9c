"""Purchase orders: what was ordered from a supplier for one warehouse, and what has come in so far.

Quantities and statuses change only through `purchases.services`, which locks the order row first; stock
changes only through the ledger (`stock.services`). The database refuses what must never be stored: a line of
zero units, a line received beyond what was ordered, a negative cost, two orders with one number.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.pagination import lines_count
from core.workflow import Workflow
from stock.models import ReferenceType


class PurchaseOrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    PARTIALLY_RECEIVED = "partially_received", "Partially received"
    RECEIVED = "received", "Received"
    CANCELLED = "cancelled", "Cancelled"


# Statuses `POST /purchase-orders/` may create an order in ("received" is a direct purchase).
CREATABLE_STATUSES = [PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.SUBMITTED, PurchaseOrderStatus.RECEIVED]
CREATABLE_STATUS_CHOICES = [(status.value, status.label) for status in CREATABLE_STATUSES]

MONEY = DecimalField(max_digits=14, decimal_places=2)


CENT = Decimal("0.01")


def order_total(lines) -> Decimal:
    """Σ quantity_ordered × unit_cost of `(quantity_ordered, unit_cost)` pairs, each cost in cents as its column
    stores it: the order's kept `total_amount` (what was ordered, whatever has come in).
    """
    return sum((quantity * Decimal(cost).quantize(CENT) for quantity, cost in lines), Decimal("0.00"))


def computed_total_expression():
    """The order `OuterRef("pk")`'s total from its lines, as SQL: what `total_amount` must equal."""
    line_total = ExpressionWrapper(F("quantity_ordered") * F("unit_cost"), output_field=MONEY)
    totals = (
        PurchaseOrderItem.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(total=Sum(line_total, output_field=MONEY))
        .values("total")
    )
    return Coalesce(Subquery(totals, output_field=MONEY), Value(Decimal("0.00")), output_field=MONEY)


class PurchaseOrderQuerySet(models.QuerySet):
    def refresh_totals(self) -> int:
        """Write each order's `total_amount` from its lines (after lines were edited outside the services)."""
        return self.update(total_amount=computed_total_expression())

    def for_display(self, *, items_limit: int | None = None):
        """Everything the order serializer reads, in three queries for any number of orders and items; `items_limit`
        lines per order at most (a list's), read with one windowed query.
        """
        items = PurchaseOrderItem.objects.select_related("variant").order_by("id")
        if items_limit is not None:
            items = items[:items_limit]
        return (
            self.select_related("supplier", "created_by")
            .prefetch_related(Prefetch("items", queryset=items, to_attr="lines"))
            .annotate(items_count=lines_count(PurchaseOrderItem, "order"))
        )


class PurchaseOrder(models.Model):
    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="purchase_orders")
    # "PO-00001": sequential per organization, allocated by `core.numbering` when the order is created.
    number = models.CharField(max_length=32, editable=False)
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="purchase_orders")
    warehouse = models.ForeignKey("warehouses.Warehouse", on_delete=models.PROTECT, related_name="purchase_orders")
    status = models.CharField(max_length=24, choices=PurchaseOrderStatus.choices, default=PurchaseOrderStatus.DRAFT)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Σ quantity_ordered × unit_cost of its lines, kept by `purchases.services` in the transaction that writes them,
    # so `?ordering=total_amount` reads an index instead of summing every order's lines.
    total_amount = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0.00"), db_default=Decimal("0.00"), editable=False
    )

    objects = PurchaseOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="purchase_order_number_unique_per_org"),
            models.CheckConstraint(
                condition=Q(status__in=PurchaseOrderStatus.values), name="purchase_order_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["organization", "created_at"]),
            models.Index(fields=["organization", "received_at"]),
            models.Index(fields=["organization", "total_amount", "id"], name="purchase_order_org_total"),
            models.Index(fields=["organization", "submitted_at", "id"], name="purchase_order_org_submitted"),
        ]

    def __str__(self):
        return self.number or f"Purchase order #{self.pk}"


_S = PurchaseOrderStatus
# draft ──submit──▶ submitted ──receive──▶ partially_received ──receive──▶ received; draft | submitted ──▶ cancelled.
# A direct purchase (created as received) goes draft → submitted → received in its creating transaction.
PURCHASE_ORDER_WORKFLOW = Workflow(
    model=PurchaseOrder,
    transitions={
        _S.DRAFT: frozenset({_S.SUBMITTED, _S.CANCELLED}),
        _S.SUBMITTED: frozenset({_S.PARTIALLY_RECEIVED, _S.RECEIVED, _S.CANCELLED}),
        _S.PARTIALLY_RECEIVED: frozenset({_S.PARTIALLY_RECEIVED, _S.RECEIVED}),
        _S.RECEIVED: frozenset(),
        _S.CANCELLED: frozenset(),
    },
    number_prefix="PO",
    reference_type=ReferenceType.PURCHASE_ORDER,
    noun="order",
)


class PurchaseOrderItem(models.Model):
    """One line of an order. The same variant may appear on several lines; each is received on its own."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="items")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="purchase_order_items")
    quantity_ordered = models.PositiveIntegerField()
    quantity_received = models.PositiveIntegerField(default=0, editable=False)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity_ordered__gt=0), name="po_item_quantity_ordered_positive"),
            models.CheckConstraint(
                condition=Q(quantity_received__gte=0) & Q(quantity_received__lte=F("quantity_ordered")),
                name="po_item_quantity_received_within_ordered",
            ),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="po_item_unit_cost_non_negative"),
        ]

    def __str__(self):
        return f"{self.quantity_ordered} × {self.variant_id} @ {self.unit_cost}"

    @property
    def quantity_open(self) -> int:
        return self.quantity_ordered - self.quantity_received

    @property
    def line_total(self) -> Decimal:
        return self.quantity_ordered * self.unit_cost
