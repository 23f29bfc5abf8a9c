"""The ledger state machine extended with purchase receipts, sales, approvals, returns and reservations.

Random interleavings of every stock-moving workflow — adjustments, transfers, purchase orders received in parts,
sales created as fulfilled or as requests that are then fulfilled, rejected or cancelled, and partial returns —
keep each level equal to Σ IN − Σ OUT of its movements, never negative, with exact running balances. Requests
reserve what is available, fulfilment consumes it, reject/cancel release it, adjustments and counts shrink the
newest, receipts, returns and incoming transfers top up the oldest, `reserve/` tops up one order: after every step
each reservation and each level's `reserved` match the model, and `0 <= reserved <= quantity`.
"""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, rule, run_state_machine_as_test

from core.exceptions import InvalidTransition
from purchases.models import PurchaseOrder, PurchaseOrderStatus
from purchases.services import ItemInput, ReceiptLine, purchase_order_create, purchase_order_receive
from sales.models import SalesOrder, SalesOrderStatus
from sales.services import (
    OrderLine,
    ReturnLine,
    sales_order_cancel,
    sales_order_create,
    sales_order_fulfil,
    sales_order_reject,
    sales_order_reserve,
    sales_order_return_items,
)
from stock.exceptions import InsufficientStock
from stock.services import stock_adjustment_create
from tests.stock.machine import LedgerMachine
from tests.suppliers.factories import SupplierFactory

lines_ = st.lists(st.tuples(LedgerMachine.variants_, st.integers(1, 8)), min_size=1, max_size=3)


class OrdersMachine(LedgerMachine):
    purchase_orders = Bundle("purchase_orders")
    sales_requests = Bundle("sales_requests")
    sales = Bundle("sales")

    def __init__(self):
        super().__init__()
        self.supplier = SupplierFactory(organization=self.org)

    # --- Purchases ------------------------------------------------------------------------------------------------

    @rule(target=purchase_orders, warehouse=LedgerMachine.warehouses_, lines=lines_)
    def order_from_supplier(self, warehouse, lines):
        order = purchase_order_create(
            organization_id=self.org.id,
            by=self.admin,
            supplier=self.supplier,
            warehouse=self.warehouses[warehouse],
            items=[ItemInput(self.variants[v], quantity, None) for v, quantity in lines],
            status=PurchaseOrderStatus.SUBMITTED,
        )
        return (order.pk, warehouse)

    @rule(placed=purchase_orders, share=st.integers(1, 3))
    def receive(self, placed, share):
        order_id, warehouse = placed
        order = PurchaseOrder.objects.get(pk=order_id)
        items = list(order.items.order_by("id"))
        open_lines = [(item, item.quantity_ordered - item.quantity_received) for item in items]
        if order.status not in (PurchaseOrderStatus.SUBMITTED, PurchaseOrderStatus.PARTIALLY_RECEIVED):
            with pytest.raises(InvalidTransition):
                purchase_order_receive(order=order, by=self.admin)
            return
        # Receive a part (at least one unit of the first open line), or everything still open.
        receipt = [
            (item, max(1, open_qty // share) if share > 1 else open_qty)
            for item, open_qty in open_lines
            if open_qty > 0
        ]
        purchase_order_receive(
            order=order, by=self.admin, lines=[ReceiptLine(item.pk, quantity) for item, quantity in receipt]
        )
        self.expect([(self.variants.index(_variant(self, item)), warehouse, quantity) for item, quantity in receipt])

    # --- Sales ----------------------------------------------------------------------------------------------------

    @rule(target=sales, warehouse=LedgerMachine.warehouses_, lines=lines_)
    def sell(self, warehouse, lines):
        moves = [(v, warehouse, -quantity) for v, quantity in lines]
        call = {
            "by": self.admin,
            "warehouse": self.warehouses[warehouse],
            "lines": [OrderLine(self.variants[v], quantity) for v, quantity in lines],
            "status": SalesOrderStatus.FULFILLED,
        }
        if self.can_apply(moves):
            order = sales_order_create(**call)
            self.expect(moves)
            return (order.pk, warehouse)
        with pytest.raises(InsufficientStock):
            sales_order_create(**call)
        return None

    @rule(target=sales_requests, warehouse=LedgerMachine.warehouses_, lines=lines_)
    def request_purchase(self, warehouse, lines):
        order = sales_order_create(
            by=self.admin,
            warehouse=self.warehouses[warehouse],
            lines=[OrderLine(self.variants[v], quantity) for v, quantity in lines],
            status=SalesOrderStatus.PENDING,
        )
        items = order.items.order_by("id")
        self.reserve(order.pk, [(item.pk, (item.variant_id, order.warehouse_id), item.quantity) for item in items])
        return (order.pk, warehouse)

    @rule(request=sales_requests)
    def reserve_now(self, request):
        order_id, _ = request
        order = SalesOrder.objects.get(pk=order_id)
        if order.status != SalesOrderStatus.PENDING:
            with pytest.raises(InvalidTransition):
                sales_order_reserve(order=order, by=self.admin)
            return
        sales_order_reserve(order=order, by=self.admin)
        self.top_up([p for p in self.promises if p[0] == order_id])

    @rule(target=sales, request=sales_requests, decision=st.sampled_from(["fulfil", "reject", "cancel"]))
    def decide_request(self, request, decision):
        order_id, warehouse = request
        order = SalesOrder.objects.get(pk=order_id)
        if order.status != SalesOrderStatus.PENDING:
            with pytest.raises(InvalidTransition):
                sales_order_fulfil(order=order, by=self.admin, notify=False)
            return None
        if decision == "reject":
            sales_order_reject(order=order, by=self.admin, reason="no", notify=False)
            self.release(order_id)
            return None
        if decision == "cancel":
            sales_order_cancel(order=order, by=self.admin)
            self.release(order_id)
            return None
        moves = [
            (self.variants.index(_variant(self, item)), warehouse, -item.quantity)
            for item in order.items.order_by("id")
        ]
        if self.can_apply(moves, own=order_id):
            sales_order_fulfil(order=order, by=self.admin, notify=False)
            self.expect(moves, consumes=order_id)
            return (order_id, warehouse)
        with pytest.raises(InsufficientStock):
            sales_order_fulfil(order=order, by=self.admin, notify=False)
        assert SalesOrder.objects.get(pk=order_id).status == SalesOrderStatus.PENDING
        return None

    @rule(variant=LedgerMachine.variants_, warehouse=LedgerMachine.warehouses_, share=st.integers(0, 2))
    def shrink(self, variant, warehouse, share):
        """Count a level below its reserved units (when it has some): the newest reservations shrink to fit."""
        key = self.key(variant, warehouse)
        if not self.reserved(key):
            return
        counted = self.reserved(key) * share // 3
        place = {"variant": self.variants[variant], "warehouse": self.warehouses[warehouse]}
        stock_adjustment_create(by=self.admin, counted_quantity=counted, **place)
        if counted != self.on_hand(variant, warehouse):
            self.expect([(variant, warehouse, counted - self.on_hand(variant, warehouse))])

    @rule(sale=sales, share=st.integers(1, 3))
    def take_back(self, sale, share):
        if sale is None:
            return
        order_id, warehouse = sale
        order = SalesOrder.objects.get(pk=order_id)
        left = [(item, item.quantity - item.quantity_returned) for item in order.items.order_by("id")]
        left = [(item, quantity) for item, quantity in left if quantity > 0]
        if not left:
            with pytest.raises(InvalidTransition):
                sales_order_return_items(order=order, by=self.admin)
            return
        returned = [(item, max(1, quantity // share)) for item, quantity in left]
        sales_order_return_items(
            order=order, by=self.admin, lines=[ReturnLine(item.pk, quantity) for item, quantity in returned]
        )
        self.expect([(self.variants.index(_variant(self, item)), warehouse, quantity) for item, quantity in returned])


def _variant(machine, item):
    return next(variant for variant in machine.variants if variant.pk == item.variant_id)


@pytest.mark.django_db
def test_random_orders_returns_and_transfers_keep_every_level_equal_to_its_movements():
    run_state_machine_as_test(
        OrdersMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
