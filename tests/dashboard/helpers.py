"""Building dashboard test data through the services, at chosen moments, while keeping our own books.

`Books` wraps the stock, purchase and sales services and records, in plain Python, what each call should have
done: the units on hand per (variant, warehouse), every movement (day, warehouse, direction, units, performer) and
every sale line (order, day, warehouse, product, units, units returned, price, the cost at the moment of sale).
Tests compute their expected figures from these records, never from the database the dashboard reads.
"""

import datetime as dt
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from unittest import mock

from django.utils import timezone

from catalog.models import Variant
from purchases.services import ItemInput, purchase_order_create
from sales.services import OrderLine, ReturnLine, sales_order_create, sales_order_fulfil, sales_order_return_items
from stock.models import Reason
from stock.services import StockChange, stock_add, stock_adjustment_create, stock_remove

UTC = dt.UTC
NOON = dt.time(12, 0)


def moment(day: dt.date, at: dt.time = NOON) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=UTC)


@contextmanager
def travel(when: dt.datetime):
    """Make `timezone.now()` answer `when` (timestamps written by the services, and "today" of the dashboard)."""
    with mock.patch.object(timezone, "now", return_value=when):
        yield


def money(value) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01')):.2f}"


@dataclass
class Move:
    day: dt.date
    warehouse_id: int
    direction: str  # "in" | "out"
    units: int
    user_id: int | None


@dataclass
class SaleLine:
    order_id: int
    item_id: int
    day: dt.date
    warehouse_id: int
    variant_id: int
    product_id: int
    product_name: str
    units: int
    price: Decimal
    cost: Decimal
    returned: int = 0

    @property
    def net_units(self) -> int:
        return self.units - self.returned


@dataclass
class Books:
    """What the test did, in plain Python: the source of every expected figure."""

    on_hand: dict = field(default_factory=lambda: defaultdict(int))  # (variant id, warehouse id) → units
    moves: list[Move] = field(default_factory=list)
    sales: list[SaleLine] = field(default_factory=list)
    fulfilled_by: dict = field(default_factory=dict)  # order id → user id

    # --- stock ---------------------------------------------------------------------------------------------------
    def add(self, variant, warehouse, units: int, *, by=None, day: dt.date, at: dt.time = NOON):
        with travel(moment(day, at)):
            stock_add(
                organization_id=variant.organization_id,
                changes=[StockChange(variant.pk, warehouse.pk, units)],
                reason=Reason.OPENING,
                by=by,
            )
        self._moved(variant, warehouse, units, by, day)

    def remove(self, variant, warehouse, units: int, *, by=None, day: dt.date, at: dt.time = NOON):
        with travel(moment(day, at)):
            stock_remove(
                organization_id=variant.organization_id,
                changes=[StockChange(variant.pk, warehouse.pk, units)],
                reason=Reason.ADJUSTMENT,
                by=by,
            )
        self._moved(variant, warehouse, -units, by, day)

    def adjust(self, variant, warehouse, units: int, *, by, day: dt.date):
        with travel(moment(day)):
            stock_adjustment_create(by=by, variant=variant, warehouse=warehouse, quantity=units)
        self._moved(variant, warehouse, units, by, day)

    def purchase(self, variant, warehouse, units: int, unit_cost: Decimal, *, by, supplier, day: dt.date):
        """A direct purchase (created as received); the variant's cost becomes `unit_cost` if none was on hand."""
        had = sum(units for (variant_id, _), units in self.on_hand.items() if variant_id == variant.pk)
        assert had == 0, "expected costs here assume the first receipt of the variant"
        with travel(moment(day)):
            purchase_order_create(
                organization_id=variant.organization_id,
                by=by,
                supplier=supplier,
                warehouse=warehouse,
                items=[ItemInput(variant, units, unit_cost)],
                status="received",
            )
        variant.cost = unit_cost
        self._moved(variant, warehouse, units, by, day)

    def _moved(self, variant, warehouse, units: int, by, day: dt.date):
        self.on_hand[(variant.pk, warehouse.pk)] += units
        direction = "in" if units > 0 else "out"
        self.moves.append(Move(day, warehouse.pk, direction, abs(units), getattr(by, "pk", None)))

    # --- sales ---------------------------------------------------------------------------------------------------
    def sell(self, warehouse, lines, *, by, day: dt.date, at: dt.time = NOON):
        """A direct sale. `lines`: (variant, units) or (variant, units, unit price)."""
        order_lines = [OrderLine(line[0], line[1], line[2] if len(line) > 2 else None) for line in lines]
        with travel(moment(day, at)):
            order = sales_order_create(by=by, warehouse=warehouse, lines=order_lines, status="fulfilled")
        self._sold(order, warehouse, order_lines, by, day)
        return order

    def request(self, warehouse, lines, *, by, day: dt.date):
        """A pending order: no stock moves, nothing is recorded."""
        order_lines = [OrderLine(variant, units) for variant, units in lines]
        with travel(moment(day)):
            return sales_order_create(by=by, warehouse=warehouse, lines=order_lines, status="pending")

    def fulfil(self, order, *, by, day: dt.date):
        with travel(moment(day)):
            order = sales_order_fulfil(order=order, by=by, notify=False)
        items = list(order.items.order_by("id").select_related("variant"))
        self._sold(order, order.warehouse, [OrderLine(i.variant, i.quantity, i.unit_price) for i in items], by, day)
        return order

    def return_items(self, order, lines, *, by, day: dt.date):
        """`lines`: (line index in the order, units)."""
        records = [sale for sale in self.sales if sale.order_id == order.pk]
        with travel(moment(day)):
            sales_order_return_items(
                order=order, by=by, lines=[ReturnLine(records[index].item_id, units) for index, units in lines]
            )
        for index, units in lines:
            record = records[index]
            record.returned += units
            self.on_hand[(record.variant_id, order.warehouse_id)] += units
            self.moves.append(Move(day, order.warehouse_id, "in", units, by.pk))

    def _sold(self, order, warehouse, order_lines, by, day: dt.date):
        self.fulfilled_by[order.pk] = by.pk
        item_ids = list(order.items.order_by("id").values_list("id", flat=True))
        for item_id, line in zip(item_ids, order_lines, strict=True):
            variant = line.variant
            price = variant.price if line.unit_price is None else line.unit_price
            self.sales.append(
                SaleLine(
                    order_id=order.pk,
                    item_id=item_id,
                    day=day,
                    warehouse_id=warehouse.pk,
                    variant_id=variant.pk,
                    product_id=variant.product_id,
                    product_name=variant.product.name,
                    units=line.quantity,
                    price=Decimal(price),
                    cost=Decimal(variant.cost),
                )
            )
            self.on_hand[(variant.pk, warehouse.pk)] -= line.quantity
            self.moves.append(Move(day, warehouse.pk, "out", line.quantity, by.pk))


def set_cost(variant: Variant, cost: str) -> None:
    """Change a variant's cost by hand (as the catalog allows); the test's variant object follows."""
    Variant.objects.filter(pk=variant.pk).update(cost=Decimal(cost))
    variant.cost = Decimal(cost)
