"""Demo sales over the last 90 days, so dashboards (sales, margin, top products, trends) have something to show.

Everything goes through the services (numbers, the ledger, unit costs), in date order, selling only what is on the
shelves after the stock and purchases seeds; then each order is backdated: its timestamps and its movements'
`created_at`, with a queryset `.update()`. Rewriting history is allowed here only because this is demo data;
nothing else in the code base edits a movement. Pending orders reserve through the ledger as the API's do: most in
full, and two late requests for more than a shelf has left hold part of it (`partial`) and nothing (`none`).
"""

import random
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F
from django.utils import timezone

from catalog.models import Variant
from core.roles import Role
from sales import kept
from sales.models import SalesOrder, SalesOrderStatus
from sales.services import (
    OrderLine,
    ReturnLine,
    sales_order_cancel,
    sales_order_create,
    sales_order_fulfil,
    sales_order_reject,
    sales_order_return_items,
)
from stock.exceptions import InsufficientStock
from stock.kept import rebuild_movement_days
from stock.models import Reason, ReferenceType, StockLevel, StockMovement

HISTORY_DAYS = 90
DIRECT_SALES = 40
CENT = Decimal("0.01")
CUSTOMERS = [
    ("Ada Lovelace", "ada@example.com"),
    ("Grace Hopper", "grace@example.com"),
    ("Alan Turing", "alan@example.com"),
    ("Katherine Johnson", "katherine@example.com"),
    ("Linus Pauling", "linus@example.com"),
    ("Marie Curie", "marie@example.com"),
    ("Walk-in customer", ""),
    ("Walk-in customer", ""),
]


def seed(ctx: dict) -> None:
    organization = ctx["organization"]
    log = ctx.get("log", print)
    variants = list(ctx.get("variants") or Variant.objects.filter(organization=organization).order_by("pk"))
    if not variants:
        log("sales: no variants to sell; skipped the sales history.")
        ctx["sales_orders"] = []
        return
    history = _SalesHistory(ctx, variants)
    for days_ago, event in sorted(_schedule(history.rng), key=lambda entry: -entry[0]):
        event(history, days_ago)
    ctx["sales_orders"] = history.orders
    counts = {}
    for order in SalesOrder.objects.filter(pk__in=[order.pk for order in history.orders]):
        counts[order.status] = counts.get(order.status, 0) + 1
    summary = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
    log(f"sales: {len(history.orders)} sales orders over the last {HISTORY_DAYS} days ({summary or 'none'}).")
    pending = SalesOrder.objects.with_details().filter(pk__in=[order.pk for order in history.orders], status="pending")
    held = sorted(order.reservation_status for order in pending)
    if held:
        log(f"sales: pending orders' reservations: {', '.join(f'{held.count(s)} {s}' for s in dict.fromkeys(held))}.")
    # The orders above were backdated: the kept day figures follow the movements' and the orders' days.
    rebuild_movement_days(organization.pk)
    kept.rebuild(organization.pk)


def _schedule(rng: random.Random) -> list:
    """(days ago, event) pairs; run oldest first so movement ids grow with their dates."""
    events = []
    for index in range(DIRECT_SALES):
        days_ago = HISTORY_DAYS - 2 - index * (HISTORY_DAYS - 5) / DIRECT_SALES + rng.uniform(-1.0, 1.0)
        events.append((max(days_ago, 0.3), _SalesHistory.direct_sale))
    events += [(days_ago, _SalesHistory.approved_request) for days_ago in (62, 33, 9)]
    events += [
        (15, _SalesHistory.rejected_request),
        (12, _SalesHistory.cancelled_request),
        (41, _SalesHistory.partial_return),
        (18, _SalesHistory.full_return),
    ]
    events += [(days_ago, _SalesHistory.open_request) for days_ago in (2.5, 1.2, 0.2)]
    events.append((0.1, _SalesHistory.short_requests))
    return events


class _SalesHistory:
    def __init__(self, ctx: dict, variants: list):
        self.organization = ctx["organization"]
        self.users = ctx["users"]
        self.warehouses = ctx["warehouses"]
        self.variants = variants
        self.rng = random.Random(4242)  # the same demo every time
        self.now = timezone.now()
        self.orders: list[SalesOrder] = []
        # What is on the shelves now; kept up to date as we sell, so every sale fits.
        self.on_hand = {
            (variant_id, warehouse_id): quantity
            for variant_id, warehouse_id, quantity in StockLevel.objects.filter(
                organization=self.organization, quantity__gt=0
            ).values_list("variant_id", "warehouse_id", "quantity")
        }

    # --- events ---------------------------------------------------------------------------------------------------
    def direct_sale(self, days_ago: float) -> None:
        main, annex = self.warehouses[0], self.warehouses[-1]
        warehouse = annex if annex != main and self.rng.random() < 0.3 else main
        seller = self.users[Role.ADMIN] if warehouse != main else self._main_floor_seller()
        self._place(seller, warehouse, days_ago, SalesOrderStatus.FULFILLED)

    def approved_request(self, days_ago: float) -> None:
        order = self._place(self.users[Role.VIEWER], self.warehouses[0], days_ago, SalesOrderStatus.PENDING)
        if order is not None and self._fits(order):
            sales_order_fulfil(order=order, by=self.users[Role.MANAGER], notify=False)
            self._take(order)
            self._backdate(order, days_ago, decided_after=timedelta(hours=5))

    def rejected_request(self, days_ago: float) -> None:
        order = self._place(self.users[Role.VIEWER], self.warehouses[0], days_ago, SalesOrderStatus.PENDING)
        if order is not None:
            sales_order_reject(
                order=order, by=self.users[Role.MANAGER], reason="Discontinued; offered an alternative.", notify=False
            )
            self._backdate(order, days_ago, decided_after=timedelta(hours=20))

    def cancelled_request(self, days_ago: float) -> None:
        order = self._place(self.users[Role.VIEWER], self.warehouses[0], days_ago, SalesOrderStatus.PENDING)
        if order is not None:
            sales_order_cancel(order=order, by=self.users[Role.VIEWER])
            self._backdate(order, days_ago, decided_after=timedelta(hours=1))

    def open_request(self, days_ago: float) -> None:
        self._place(self.users[Role.VIEWER], self.warehouses[0], days_ago, SalesOrderStatus.PENDING)

    def short_requests(self, days_ago: float) -> None:
        """Two requests for more than the shelf has left: the first reserves what is available (`partial`), the
        second nothing (`none`). Both wait for incoming stock, which tops up the older one first.
        """
        warehouse = self.warehouses[0]
        level = (
            StockLevel.objects.filter(organization=self.organization, warehouse=warehouse, variant__in=self.variants)
            .annotate(free=F("quantity") - F("reserved"))
            .filter(free__gt=0)
            .order_by("free", "pk")
            .select_related("variant")
            .first()
        )
        if level is None:
            return
        viewer = self.users[Role.VIEWER]
        self._place(viewer, warehouse, days_ago, SalesOrderStatus.PENDING, [OrderLine(level.variant, level.free + 3)])
        self._place(viewer, warehouse, days_ago / 2, SalesOrderStatus.PENDING, [OrderLine(level.variant, 2)])

    def partial_return(self, days_ago: float) -> None:
        order = self._returnable()
        if order is not None:
            first = order.items.order_by("pk").first()
            sales_order_return_items(order=order, by=self.users[Role.STAFF], lines=[ReturnLine(first.pk, 1)])
            self._backdate_return(order, days_ago)

    def full_return(self, days_ago: float) -> None:
        order = self._returnable()
        if order is not None:
            sales_order_return_items(order=order, by=self.users[Role.MANAGER])
            self._backdate_return(order, days_ago)

    # --- helpers --------------------------------------------------------------------------------------------------
    def _main_floor_seller(self):
        return self.rng.choice([self.users[Role.STAFF], self.users[Role.STAFF], self.users[Role.MANAGER]])

    def _place(self, by, warehouse, days_ago: float, status: str, lines=None) -> SalesOrder | None:
        lines = lines or self._lines(warehouse)
        if not lines:
            return None
        customer_name, customer_email = self.rng.choice(CUSTOMERS)
        try:
            order = sales_order_create(
                by=by,
                warehouse=warehouse,
                lines=lines,
                status=status,
                customer_name=customer_name,
                customer_email=customer_email,
            )
        except InsufficientStock:  # our view of the shelves is exact, but a demo must never stop on it
            return None
        if status == SalesOrderStatus.FULFILLED:
            self._take(order)
        self._backdate(order, days_ago)
        self.orders.append(order)
        return order

    def _lines(self, warehouse) -> list[OrderLine]:
        in_stock = [v for v in self.variants if self.on_hand.get((v.pk, warehouse.pk), 0) >= 4]
        chosen = self.rng.sample(in_stock, k=min(len(in_stock), self.rng.choice([1, 1, 2, 2, 3])))
        lines = []
        for variant in chosen:
            # A small share of what is there, so the history never empties a shelf.
            most = max(1, min(5, self.on_hand[(variant.pk, warehouse.pk)] // 8))
            price = variant.price
            if self.rng.random() < 0.2:  # an occasional 10 % discount
                price = (variant.price * Decimal("0.9")).quantize(CENT, rounding=ROUND_HALF_UP)
            lines.append(OrderLine(variant, self.rng.randint(1, most), price))
        return lines

    def _fits(self, order: SalesOrder) -> bool:
        return all(
            self.on_hand.get((item.variant_id, order.warehouse_id), 0) >= item.quantity for item in order.items.all()
        )

    def _take(self, order: SalesOrder) -> None:
        for item in order.items.all():
            self.on_hand[(item.variant_id, order.warehouse_id)] -= item.quantity

    def _returnable(self) -> SalesOrder | None:
        fulfilled = [order for order in self.orders if _status(order) == SalesOrderStatus.FULFILLED]
        return fulfilled[-3] if len(fulfilled) >= 3 else None

    def _backdate(self, order: SalesOrder, days_ago: float, decided_after: timedelta = timedelta(minutes=2)) -> None:
        """Move an order back to `days_ago`, and its sale movements with its fulfilment."""
        order.refresh_from_db()
        created_at = self.now - timedelta(days=days_ago)
        decided_at = min(created_at + decided_after, self.now)
        changes = {"created_at": created_at, "updated_at": decided_at if order.decided_at else created_at}
        if order.decided_at:
            changes["decided_at"] = decided_at
        if order.fulfilled_at:
            changes["fulfilled_at"] = decided_at
            self._movements(order, Reason.SALE).update(created_at=decided_at)
        SalesOrder.objects.filter(pk=order.pk).update(**changes)

    def _backdate_return(self, order: SalesOrder, days_ago: float) -> None:
        returned_at = self.now - timedelta(days=days_ago)
        self._movements(order, Reason.RETURN).update(created_at=returned_at)
        SalesOrder.objects.filter(pk=order.pk).update(updated_at=returned_at)
        for item in order.items.all():
            self.on_hand[(item.variant_id, order.warehouse_id)] += item.quantity_returned

    @staticmethod
    def _movements(order: SalesOrder, reason: str):
        movements = StockMovement.objects.filter(reference_type=ReferenceType.SALES_ORDER, reason=reason)
        return movements.filter(reference_id=order.pk)


def _status(order: SalesOrder) -> str:
    return SalesOrder.objects.values_list("status", flat=True).get(pk=order.pk)
