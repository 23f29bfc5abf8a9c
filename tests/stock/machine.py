"""A hypothesis state machine that drives stock through its services and checks the ledger after every step.

`LedgerMachine` keeps its own model of what every (variant, warehouse) should hold and, after each rule, checks the
database against it and against the ledger invariant (`assert_ledger_consistent`). It is meant to be extended:
another app subclasses it, adds rules that call its own services, and tells the model what should have moved with
`self.expect(...)` (or that nothing should have, by not calling it). For example::

    class OrdersMachine(LedgerMachine):
        @rule(variant=LedgerMachine.variants_, warehouse=LedgerMachine.warehouses_, quantity=st.integers(1, 5))
        def sell(self, variant, warehouse, quantity):
            if self.available(variant, warehouse) >= quantity:
                sales_order_create(...)
                self.expect([(variant, warehouse, -quantity)])
            else:
                with pytest.raises(InsufficientStock):
                    sales_order_create(...)

Every machine instance builds its own organization, so examples do not see each other's rows even though they
share one test transaction.
"""

import itertools

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from core.exceptions import InvalidTransition
from core.roles import Role
from stock.exceptions import InsufficientStock
from stock.models import StockLevel, StockReservation, TransferStatus
from stock.services import (
    TransferLine,
    stock_adjustment_create,
    transfer_approve,
    transfer_cancel,
    transfer_reject,
    transfer_request,
)
from tests.catalog.factories import VariantFactory
from tests.stock.invariants import ledger_problems
from tests.users.factories import OrganizationFactory, UserFactory
from tests.warehouses.factories import WarehouseFactory

WAREHOUSES = 3
VARIANTS = 3
_instances = itertools.count()


class LedgerMachine(RuleBasedStateMachine):
    # Indexes into self.warehouses / self.variants, so the strategies need no database.
    warehouses_ = st.integers(0, WAREHOUSES - 1)
    variants_ = st.integers(0, VARIANTS - 1)
    transfers = Bundle("transfers")

    def __init__(self):
        super().__init__()
        n = next(_instances)
        self.org = OrganizationFactory(name=f"Machine {n}")
        self.admin = UserFactory(organization=self.org, username=f"machine-admin-{n}", role=Role.ADMIN)
        self.warehouses = [WarehouseFactory(organization=self.org) for _ in range(WAREHOUSES)]
        self.variants = [VariantFactory(organization=self.org) for _ in range(VARIANTS)]
        self.expected: dict[tuple[int, int], int] = {}
        # The model of reservations: one entry per pending order line, oldest first, as
        # [order id, line id, key, requested, held].
        self.promises: list[list] = []

    # --- The model ------------------------------------------------------------------------------------------------

    def key(self, variant: int, warehouse: int) -> tuple[int, int]:
        return (self.variants[variant].pk, self.warehouses[warehouse].pk)

    def on_hand(self, variant: int, warehouse: int) -> int:
        return self.expected.get(self.key(variant, warehouse), 0)

    def reserved(self, key: tuple[int, int], order_id: int | None = None) -> int:
        return sum(p[4] for p in self.promises if p[2] == key and (order_id is None or p[0] == order_id))

    def free(self, key: tuple[int, int]) -> int:
        return self.expected.get(key, 0) - self.reserved(key)

    def can_apply(self, lines, *, takes_reserved: bool = False, own: int | None = None) -> bool:
        """Whether signed `lines` [(variant, warehouse, quantity)] keep every level at or above what may be taken
        throughout: zero (`takes_reserved`), else its reserved units less those of the order `own`.
        """
        running = dict(self.expected)
        for variant, warehouse, quantity in lines:
            key = self.key(variant, warehouse)
            running[key] = running.get(key, 0) + quantity
            floor = 0 if takes_reserved else self.reserved(key) - (self.reserved(key, own) if own else 0)
            if running[key] < floor:
                return False
        return True

    def expect(self, lines, *, consumes: int | None = None) -> None:
        """Record that signed `lines` [(variant, warehouse, quantity)] were applied, and what that does to the
        reservations: the order `consumes` loses its own; a level below its reserved units shrinks its newest; a
        level that received stock tops up its short ones, oldest first.
        """
        net: dict[tuple[int, int], int] = {}
        for variant, warehouse, quantity in lines:
            key = self.key(variant, warehouse)
            self.expected[key] = self.expected.get(key, 0) + quantity
            net[key] = net.get(key, 0) + quantity
        if consumes is not None:
            self.release(consumes)
        for key in net:
            excess = self.reserved(key) - self.expected[key]
            for promise in reversed([p for p in self.promises if p[2] == key]):
                taken = min(max(excess, 0), promise[4])
                promise[4] -= taken
                excess -= taken
        self.top_up([p for p in self.promises if net.get(p[2], 0) > 0])

    def reserve(self, order_id: int, lines) -> None:
        """A pending order's lines [(line id, key, quantity)] reserve, in order, what is free."""
        for line_id, key, quantity in lines:
            self.promises.append([order_id, line_id, key, quantity, min(quantity, max(self.free(key), 0))])

    def release(self, order_id: int) -> None:
        self.promises = [p for p in self.promises if p[0] != order_id]

    def top_up(self, promises) -> None:
        for promise in promises:  # oldest first
            promise[4] += min(promise[3] - promise[4], max(self.free(promise[2]), 0))

    # --- Adjustments ----------------------------------------------------------------------------------------------

    @rule(variant=variants_, warehouse=warehouses_, quantity=st.integers(-15, 25).filter(bool))
    def adjust(self, variant, warehouse, quantity):
        line = [(variant, warehouse, quantity)]
        call = {
            "by": self.admin,
            "variant": self.variants[variant],
            "warehouse": self.warehouses[warehouse],
            "quantity": quantity,
        }
        if self.can_apply(line, takes_reserved=True):  # an adjustment records reality: reserved units too
            stock_adjustment_create(**call)
            self.expect(line)
        else:
            with pytest.raises(InsufficientStock):
                stock_adjustment_create(**call)

    @rule(variant=variants_, warehouse=warehouses_, counted=st.integers(0, 30))
    def count(self, variant, warehouse, counted):
        adjustment = stock_adjustment_create(
            by=self.admin,
            variant=self.variants[variant],
            warehouse=self.warehouses[warehouse],
            counted_quantity=counted,
        )
        delta = counted - self.on_hand(variant, warehouse)
        assert adjustment.quantity == delta
        assert (adjustment.movement is None) == (delta == 0)
        if delta:
            self.expect([(variant, warehouse, delta)])

    # --- Transfers ------------------------------------------------------------------------------------------------

    @rule(
        target=transfers,
        route=st.lists(warehouses_, min_size=2, max_size=2, unique=True),
        lines=st.lists(st.tuples(variants_, st.integers(1, 10)), min_size=1, max_size=3),
    )
    def request_transfer(self, route, lines):
        source, destination = route
        transfer = transfer_request(
            by=self.admin,
            source_warehouse=self.warehouses[source],
            destination_warehouse=self.warehouses[destination],
            items=[TransferLine(self.variants[variant], quantity) for variant, quantity in lines],
        )
        return (transfer, source, destination, lines)

    @rule(requested=transfers)
    def approve_transfer(self, requested):
        transfer, source, destination, lines = requested
        status = self._status(transfer)
        moves = [(v, source, -q) for v, q in lines] + [(v, destination, q) for v, q in lines]
        if status != TransferStatus.REQUESTED:
            with pytest.raises(InvalidTransition):
                transfer_approve(transfer=transfer, by=self.admin)
        elif self.can_apply(moves):
            transfer_approve(transfer=transfer, by=self.admin)
            self.expect(moves)
            assert self._status(transfer) == TransferStatus.COMPLETED
        else:
            with pytest.raises(InsufficientStock):
                transfer_approve(transfer=transfer, by=self.admin)
            assert self._status(transfer) == TransferStatus.REQUESTED

    @rule(requested=transfers, reject=st.booleans())
    def withdraw_transfer(self, requested, reject):
        transfer = requested[0]
        decide = transfer_reject if reject else transfer_cancel
        if self._status(transfer) == TransferStatus.REQUESTED:
            decide(transfer=transfer, by=self.admin)
        else:
            with pytest.raises(InvalidTransition):
                decide(transfer=transfer, by=self.admin)

    @staticmethod
    def _status(transfer):
        return type(transfer).objects.values_list("status", flat=True).get(pk=transfer.pk)

    # --- Checked after every step ---------------------------------------------------------------------------------

    @invariant()
    def ledger_is_consistent(self):
        problems = ledger_problems(self.org)
        assert not problems, problems

    @invariant()
    def reservations_match_the_model(self):
        rows = StockReservation.objects.filter(organization=self.org)
        assert {row.line_id: (row.requested, row.quantity) for row in rows} == {
            p[1]: (p[3], p[4]) for p in self.promises
        }
        for level in StockLevel.objects.filter(organization=self.org):
            key = (level.variant_id, level.warehouse_id)
            assert level.reserved == self.reserved(key), key
            assert 0 <= level.reserved <= level.quantity, key

    @invariant()
    def levels_match_the_model(self):
        actual = {
            (level.variant_id, level.warehouse_id): level.quantity
            for level in StockLevel.objects.filter(organization=self.org)
        }
        for key in actual.keys() | self.expected.keys():
            assert actual.get(key, 0) == self.expected.get(key, 0), key
