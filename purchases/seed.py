"""Demo purchase history over the last 90 days, so dashboards, trends and reports have something to show.

Orders go through the services (numbers, ledger movements, average costs), oldest first; then the received ones
are backdated: the order's timestamps and its movements' `created_at`, with a queryset `.update()`. Rewriting
history is allowed here only because this is demo data; nothing else in the code base edits a movement.
"""

import random
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from catalog.models import Variant
from core.roles import Role
from purchases.models import PURCHASE_ORDER_WORKFLOW, PurchaseOrder, PurchaseOrderStatus
from purchases.services import (
    ItemInput,
    ReceiptLine,
    purchase_order_cancel,
    purchase_order_create,
    purchase_order_receive,
)
from stock.kept import rebuild_movement_days
from stock.models import StockMovement
from suppliers.models import Supplier

HISTORY_DAYS = 90
RECEIVED_ORDERS = 18
CENT = Decimal("0.01")


def seed(ctx: dict) -> None:
    organization = ctx["organization"]
    users = ctx["users"]
    warehouses = ctx["warehouses"]
    variants = list(ctx.get("variants") or Variant.objects.filter(organization=organization).order_by("pk"))
    suppliers = list(ctx.get("suppliers") or Supplier.objects.filter(organization=organization).order_by("pk"))
    log = ctx.get("log", print)
    if not variants or not suppliers:
        log("purchases: no variants or suppliers to order; skipped the purchase history.")
        ctx["purchase_orders"] = []
        return

    rng = random.Random(1701)  # the same demo every time
    supplier_of = dict(
        Variant.objects.filter(pk__in=[variant.pk for variant in variants]).values_list("pk", "product__supplier_id")
    )
    now = timezone.now()
    main = warehouses[0]
    orders = []

    def place(*, days_ago: float, status: str, warehouse=main, by=None):
        by = by or (users[Role.ADMIN] if warehouse != main else rng.choice([users[Role.MANAGER], users[Role.STAFF]]))
        if status == PurchaseOrderStatus.RECEIVED and by.role == Role.STAFF:
            by = users[Role.MANAGER]  # a direct purchase is a submission too, which staff may not make
        supplier = rng.choice(suppliers)
        order = purchase_order_create(
            organization_id=organization.pk,
            by=by,
            supplier=supplier,
            warehouse=warehouse,
            items=_lines(rng, variants, supplier, supplier_of),
            status=status,
            notes=rng.choice(["", "", "Weekly restock", "Seasonal top-up", "Urgent: low stock"]),
        )
        _backdate(order, now - timedelta(days=days_ago))
        orders.append(order)
        return order

    # Received orders spread over the period, oldest first (movement ids then grow with their dates).
    for index in range(RECEIVED_ORDERS):
        days_ago = HISTORY_DAYS - 2 - index * (HISTORY_DAYS - 6) / RECEIVED_ORDERS + rng.uniform(-1.5, 1.5)
        warehouse = warehouses[-1] if index % 3 == 2 else main
        place(days_ago=days_ago, status=PurchaseOrderStatus.RECEIVED, warehouse=warehouse)

    # Two deliveries still coming in: half of the first line arrived.
    for days_ago in (9, 4):
        order = place(days_ago=days_ago, status=PurchaseOrderStatus.SUBMITTED, by=users[Role.MANAGER])
        first = order.items.order_by("pk").first()
        purchase_order_receive(
            order=order,
            by=users[Role.STAFF],
            lines=[ReceiptLine(first.pk, max(first.quantity_ordered // 2, 1))],
        )
        _backdate(order, now - timedelta(days=days_ago), received_after=timedelta(days=2))

    place(days_ago=3, status=PurchaseOrderStatus.SUBMITTED, by=users[Role.MANAGER])
    place(days_ago=1, status=PurchaseOrderStatus.SUBMITTED, by=users[Role.ADMIN], warehouse=warehouses[-1])
    place(days_ago=2, status=PurchaseOrderStatus.DRAFT, by=users[Role.STAFF])
    place(days_ago=0.5, status=PurchaseOrderStatus.DRAFT, by=users[Role.MANAGER])
    cancelled = place(days_ago=20, status=PurchaseOrderStatus.DRAFT, by=users[Role.MANAGER])
    purchase_order_cancel(order=cancelled, by=users[Role.MANAGER])
    PurchaseOrder.objects.filter(pk=cancelled.pk).update(cancelled_at=now - timedelta(days=19))

    ctx["purchase_orders"] = list(PurchaseOrder.objects.filter(pk__in=[order.pk for order in orders]).order_by("pk"))
    log(f"purchases: {len(orders)} purchase orders over the last {HISTORY_DAYS} days.")
    # The receipts above were backdated: the kept day figures follow the movements' days.
    rebuild_movement_days(organization.pk)


def _lines(rng: random.Random, variants: list, supplier, supplier_of: dict) -> list[ItemInput]:
    own = [variant for variant in variants if supplier_of.get(variant.pk) == supplier.pk]
    pool = own if len(own) >= 2 else variants
    chosen = rng.sample(pool, k=min(len(pool), rng.randint(2, 4)))
    return [
        ItemInput(variant, rng.choice([10, 12, 20, 24, 30, 40, 50, 60]), _unit_cost(rng, variant))
        for variant in chosen
    ]


def _unit_cost(rng: random.Random, variant) -> Decimal:
    base = variant.cost if variant.cost > 0 else variant.price * Decimal("0.55")
    if base <= 0:
        base = Decimal("1.00")
    return (base * Decimal(str(rng.uniform(0.9, 1.1)))).quantize(CENT, rounding=ROUND_HALF_UP)


def _backdate(order: PurchaseOrder, created_at, received_after: timedelta = timedelta(days=3)) -> None:
    """Move an order (and, once received, its movements) back to `created_at`."""
    order.refresh_from_db()
    changes = {"created_at": created_at, "updated_at": created_at}
    if order.submitted_at:
        changes["submitted_at"] = created_at + timedelta(hours=2)
    received_at = min(created_at + received_after, timezone.now())
    if order.received_at:
        changes["received_at"] = received_at
    PurchaseOrder.objects.filter(pk=order.pk).update(**changes)
    reference = PURCHASE_ORDER_WORKFLOW.reference(order)
    movements = StockMovement.objects.filter(reference_type=reference.type, reference_id=reference.id)
    movements.update(created_at=received_at)
