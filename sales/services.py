"""Every write on sales orders.

Each operation runs in one transaction that first locks the order row (`SALES_ORDER_WORKFLOW.locked`) and only then
reads its status, so two requests can never both see `pending` and both take the stock, and a status can never be
toggled back to re-apply stock: the declared `TRANSITIONS` have no arrow back to `pending`. Stock moves through the
ledger only, in one call per operation, referenced as the workflow declares; the ledger locks the levels after our
order row, so locks are always taken in the order document → levels. The requester's e-mail goes through the
outbox (`sales.notifications`), after the commit.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import Variant
from core.exceptions import Conflict, InvalidInput, InvalidTransition, NotPermitted
from core.permissions import ensure_warehouse_access
from core.roles import ADMIN_MANAGER_STAFF
from sales import kept
from sales.models import SALES_ORDER_WORKFLOW, SalesOrder, SalesOrderItem, SalesOrderStatus, order_total
from sales.notifications import REQUEST_DECIDED
from stock.models import Reason
from stock.services import (
    ReservationLine,
    StockChange,
    stock_add,
    stock_release,
    stock_remove,
    stock_reservation_top_up,
    stock_reserve,
)
from warehouses.models import Warehouse

WORKFLOW = SALES_ORDER_WORKFLOW
EDITABLE_FIELDS = ("customer_name", "customer_email", "notes")


@dataclass(frozen=True)
class OrderLine:
    variant: Variant
    quantity: int
    unit_price: Decimal | None = None  # None: the variant's price


@dataclass(frozen=True)
class ReturnLine:
    item_id: int
    quantity: int


# --- Create -------------------------------------------------------------------------------------------------------
def sales_order_create(
    *,
    by,
    warehouse: Warehouse,
    lines: Sequence[OrderLine],
    status: str | None = None,
    customer_name: str = "",
    customer_email: str = "",
    notes: str = "",
) -> SalesOrder:
    """Create an order, `pending` (a purchase request, any role, any warehouse) or `fulfilled` (a sale).

    A fulfilled order takes its stock in the same transaction, from the available units only: short stock raises
    `InsufficientStock` and leaves no order behind (its number is not consumed either). Staff and up only, in their
    own warehouses. A pending order reserves each line up to what is available, and never fails for want of stock.
    """
    if status is None:
        status = SalesOrderStatus.FULFILLED if by.role in ADMIN_MANAGER_STAFF else SalesOrderStatus.PENDING
    if status not in (SalesOrderStatus.PENDING, SalesOrderStatus.FULFILLED):
        raise InvalidInput({"status": ['A new order is either "pending" or "fulfilled".']})
    if not lines:
        raise InvalidInput({"items": ["An order needs at least one item."]})
    _ensure_same_organization(by, warehouse, lines)
    if status == SalesOrderStatus.FULFILLED:
        _ensure_may_decide(by, warehouse, "Only staff and up can sell directly; a viewer's order is a request.")

    prices = [line.variant.price if line.unit_price is None else line.unit_price for line in lines]
    with transaction.atomic():
        now = timezone.now()
        fulfilled = status == SalesOrderStatus.FULFILLED
        order = SalesOrder.objects.create(
            organization_id=warehouse.organization_id,
            number=WORKFLOW.next_number(organization_id=warehouse.organization_id),
            warehouse=warehouse,
            customer_name=customer_name,
            customer_email=customer_email,
            notes=notes,
            status=status,
            created_by=by,
            decided_by=by if fulfilled else None,
            decided_at=now if fulfilled else None,
            fulfilled_at=now if fulfilled else None,
            # The lines never change after this (returns do not reduce it): the total is kept from here.
            total_amount=order_total(zip((line.quantity for line in lines), prices, strict=True)),
        )
        items = SalesOrderItem.objects.bulk_create(_new_items(order, lines, prices, fulfilled=fulfilled))
        if fulfilled:
            _take_stock(order, items, by)
            held = {}
        else:
            held = _reserve(order, items)
    # The response shows what was just written: no need to read it back.
    return order.with_written_details(items, held)


def _new_items(order: SalesOrder, lines: Sequence[OrderLine], prices, *, fulfilled: bool) -> list[SalesOrderItem]:
    # A sale records the variant's cost as its caller read it (a request: in its validation), as it does its price.
    return [
        SalesOrderItem(
            order=order,
            variant=line.variant,
            quantity=line.quantity,
            unit_price=price,
            unit_cost=line.variant.cost if fulfilled else None,
        )
        for line, price in zip(lines, prices, strict=True)
    ]


# --- Decisions on a pending order ---------------------------------------------------------------------------------
def sales_order_fulfil(*, order: SalesOrder, by, notify: bool = True) -> SalesOrder:
    """Approve a pending order: take every line's stock (its reservation, then available units), or raise
    `InsufficientStock` and change nothing.

    Locks the order first, so concurrent fulfils of one order fulfil it once; the others get `InvalidTransition`.
    The requester is e-mailed once it commits (`notify=False`: demo data).
    """
    _ensure_may_decide(by, order.warehouse_id)
    with transaction.atomic():
        order = WORKFLOW.locked(order)
        WORKFLOW.ensure_move(order, SalesOrderStatus.FULFILLED)
        now = timezone.now()
        _take_stock(order, list(order.items.order_by("id")), by, consumes=True, fulfilled_at=now)
        WORKFLOW.move(order, SalesOrderStatus.FULFILLED, decided_by=by, decided_at=now, fulfilled_at=now)
        if notify:
            _notify_requester(order, by=by, approved=True)
    return order


def sales_order_reject(*, order: SalesOrder, by, reason: str = "", notify: bool = True) -> SalesOrder:
    """Refuse a pending order (no stock was ever taken for it; its reservation is released). Locks the order first;
    e-mails the requester.
    """
    _ensure_may_decide(by, order.warehouse_id)
    with transaction.atomic():
        order = WORKFLOW.locked(order)
        WORKFLOW.ensure_move(order, SalesOrderStatus.REJECTED)
        _release(order)
        fields = {"rejection_reason": reason, "decided_by": by, "decided_at": timezone.now()}
        WORKFLOW.move(order, SalesOrderStatus.REJECTED, **fields)
        if notify:
            _notify_requester(order, by=by, approved=False)
    return order


def sales_order_cancel(*, order: SalesOrder, by) -> SalesOrder:
    """Withdraw a pending order (its reservation is released): its creator, or staff and up of its warehouse. Locks
    the order first.
    """
    if by.pk != order.created_by_id:
        _ensure_may_decide(by, order.warehouse_id, "Only the requester or staff of this warehouse can cancel it.")
    with transaction.atomic():
        order = WORKFLOW.locked(order)
        WORKFLOW.ensure_move(order, SalesOrderStatus.CANCELLED)
        _release(order)
        WORKFLOW.move(order, SalesOrderStatus.CANCELLED, decided_by=by, decided_at=timezone.now())
    return order


def sales_order_reserve(*, order: SalesOrder, by) -> SalesOrder:
    """Top up a pending order's reservation now from the available units (staff and up of its warehouse).

    Locks the order first; a non-pending order raises `InvalidTransition` (it holds nothing and never will).
    """
    _ensure_may_decide(by, order.warehouse_id)
    with transaction.atomic():
        order = WORKFLOW.locked(order)
        if not order.is_pending:
            detail = f"A {order.get_status_display().lower()} order holds no reservation."
            raise InvalidTransition(detail, current_status=order.status, requested_status="reserved")
        stock_reservation_top_up(organization_id=order.organization_id, reference=WORKFLOW.reference(order))
    return order


# --- Returns ------------------------------------------------------------------------------------------------------
def sales_order_return_items(*, order: SalesOrder, by, lines: Sequence[ReturnLine] | None = None) -> SalesOrder:
    """Put sold units back in stock (IN movements, reason `return`, at each line's sale cost).

    `lines=None` returns everything still out. Returning more than is left on a line raises a 400 naming
    `items.<index>.quantity`, and nothing changes. Locks the order first, so concurrent returns cannot together
    return more than was sold (the database constraint on the line is the last defence).
    """
    _ensure_may_decide(by, order.warehouse_id)
    with transaction.atomic():
        order = WORKFLOW.locked(order)
        WORKFLOW.ensure_move(order, SalesOrderStatus.RETURNED, "Only a fulfilled order can take returns.")
        items = {item.pk: item for item in order.items.order_by("id")}
        if lines is None:
            lines = [ReturnLine(item.pk, item.quantity_left) for item in items.values() if item.quantity_left]
        quantities = _checked_return_quantities(items, lines)

        costs = _costs_now([items[item_id] for item_id in quantities if items[item_id].unit_cost is None])
        changes = [
            StockChange(items[item_id].variant_id, order.warehouse_id, quantity, _sale_cost(items[item_id], costs))
            for item_id, quantity in quantities.items()
        ]
        everything_back = all(
            item.quantity_left == quantities.get(item.pk, 0) for item in items.values()
        )  # before the ledger: the tallies are inserts, and a refusal below rolls them back too
        kept.add_sales(
            order,
            [
                kept.SoldLine(change.variant_id, -change.quantity, items[item_id].unit_price, change.unit_cost)
                for item_id, change in zip(quantities, changes, strict=True)
            ],
            orders=-1 if everything_back else 0,
        )
        stock_add(
            organization_id=order.organization_id,
            changes=changes,
            reason=Reason.RETURN,
            by=by,
            reference=WORKFLOW.reference(order),
            note=f"Return on {order.number}",
        )
        for item_id, quantity in quantities.items():
            SalesOrderItem.objects.filter(pk=item_id).update(quantity_returned=F("quantity_returned") + quantity)
            items[item_id].quantity_returned += quantity  # mirrors the update; the row is ours under the order lock
        WORKFLOW.move(order, SalesOrderStatus.RETURNED if everything_back else SalesOrderStatus.PARTIALLY_RETURNED)
    return order


def _checked_return_quantities(items: dict[int, SalesOrderItem], lines: Sequence[ReturnLine]) -> dict[int, int]:
    """Sum the lines per item; raise one 400 listing every bad line by its index."""
    if not lines:
        raise InvalidInput({"items": ["Name at least one line to return."]})
    errors: list[dict] = [{} for _ in lines]
    wanted: dict[int, int] = {}
    for index, line in enumerate(lines):
        item = items.get(line.item_id)
        if item is None:
            errors[index]["item"] = [f"Line {line.item_id} is not part of this order."]
            continue
        if line.quantity <= 0:
            errors[index]["quantity"] = ["Must be at least 1."]
            continue
        wanted[line.item_id] = wanted.get(line.item_id, 0) + line.quantity
        if wanted[line.item_id] > item.quantity_left:
            errors[index]["quantity"] = [
                f"Only {item.quantity_left} of {item.quantity} can still be returned on this line."
            ]
    if any(errors):
        raise InvalidInput({"items": errors})
    return wanted


# --- PATCH --------------------------------------------------------------------------------------------------------
def sales_order_set_status(*, order: SalesOrder, status: str, by, reason: str = "") -> SalesOrder:
    """Move the order to `status` by running the operation that leads there (fulfil, reject, cancel, return all).

    A status that is not a legal move from the current one — backwards, or the one it already has — raises
    `InvalidTransition`; nothing is ever silently ignored. Locks the order first.
    """
    with transaction.atomic():
        order = WORKFLOW.locked(order)
        if status == order.status:  # a second partial return is a move, but not one a bare status can express
            raise WORKFLOW.refusal(order, status, f"The order is already {order.get_status_display().lower()}.")
        WORKFLOW.ensure_move(order, status)
        if status == SalesOrderStatus.FULFILLED:
            return sales_order_fulfil(order=order, by=by)
        if status == SalesOrderStatus.REJECTED:
            return sales_order_reject(order=order, by=by, reason=reason)
        if status == SalesOrderStatus.CANCELLED:
            return sales_order_cancel(order=order, by=by)
        if status == SalesOrderStatus.RETURNED:
            return sales_order_return_items(order=order, by=by)
        raise InvalidInput({"status": ["A partial return names its lines: POST them to the order's return/."]})


def sales_order_update(*, order: SalesOrder, by, data: dict) -> SalesOrder:
    """Apply a PATCH: customer details and notes (while pending), then a status move if one is asked for.

    All or nothing: an illegal status leaves the details unchanged too.
    """
    with transaction.atomic():
        order = WORKFLOW.locked(order)
        changed = [field for field in EDITABLE_FIELDS if field in data and data[field] != getattr(order, field)]
        if changed:
            if not order.is_pending:
                raise Conflict("An order's details can only be edited while it is pending.")
            if by.pk != order.created_by_id:
                _ensure_may_decide(
                    by, order.warehouse_id, "Only the requester or staff of this warehouse can edit it."
                )
            for field in changed:
                setattr(order, field, data[field])
            order.save(update_fields=[*changed, "updated_at"])
        if "status" in data:
            order = sales_order_set_status(order=order, status=data["status"], by=by, reason=data.get("reason", ""))
    return order


# --- Helpers ------------------------------------------------------------------------------------------------------
def _ensure_may_decide(by, warehouse, message: str | None = None) -> None:
    """Fulfil, reject, return, sell directly: admins anywhere, managers and staff in their own warehouses."""
    if by.role not in ADMIN_MANAGER_STAFF:
        raise NotPermitted(message or "Your role does not allow this action on sales orders.")
    ensure_warehouse_access(by, [warehouse])


def _ensure_same_organization(by, warehouse: Warehouse, lines: Sequence[OrderLine]) -> None:
    # The API's related fields already refuse foreign ids; this guards other callers (admin, seeds, tasks).
    organization_id = by.organization_id
    if warehouse.organization_id != organization_id:
        raise InvalidInput({"warehouse": ["Unknown warehouse."]})
    bad = [
        {"variant": ["Unknown variant."]} if line.variant.organization_id != organization_id else {} for line in lines
    ]
    if any(bad):
        raise InvalidInput({"items": bad})


def _take_stock(
    order: SalesOrder, items: Sequence[SalesOrderItem], by, *, consumes: bool = False, fulfilled_at=None
) -> None:
    """One ledger call for the whole order: every line its own OUT movement, checked against the lines' total and
    the available units (plus the order's own reservation, which it `consumes`).

    The lines' costs (a direct sale's as read with its variants, else read here) are handed to the ledger, so the
    kept cost of goods sold, tallied before the ledger call (inserts that lock nothing; a refusal rolls them back),
    is the movements' own.
    """
    reference = WORKFLOW.reference(order)
    # A direct sale's lines carry the cost read with their variants (as their price); the others are read now.
    costs = {item.variant_id: item.unit_cost for item in items if item.unit_cost is not None}
    costs.update(_costs_now([item for item in items if item.unit_cost is None]))
    kept.add_sales(
        order,
        [kept.SoldLine(item.variant_id, item.quantity, item.unit_price, costs[item.variant_id]) for item in items],
        orders=1,
        fulfilled_at=fulfilled_at,
        decided_by_id=by.pk,
    )
    movements = stock_remove(
        organization_id=order.organization_id,
        changes=[
            StockChange(item.variant_id, order.warehouse_id, item.quantity, costs[item.variant_id]) for item in items
        ],
        reason=Reason.SALE,
        by=by,
        reference=reference,
        note=order.number,
        consumes=reference if consumes else None,
    )
    # The ledger returns movements in line order, each with the variant's cost at this moment (or the line's own).
    uncosted = [(item, movement) for item, movement in zip(items, movements, strict=True) if item.unit_cost is None]
    for item, movement in uncosted:
        item.unit_cost = movement.unit_cost
    if uncosted:
        SalesOrderItem.objects.bulk_update([item for item, _ in uncosted], ["unit_cost"])


def _costs_now(items: Sequence[SalesOrderItem]) -> dict[int, Decimal | None]:
    variant_ids = {item.variant_id for item in items}
    return dict(Variant.objects.filter(pk__in=variant_ids).values_list("pk", "cost")) if variant_ids else {}


def _sale_cost(item: SalesOrderItem, costs: dict[int, Decimal | None]) -> Decimal | None:
    """The cost a return puts the units back at: the sale's, else (a line sold before costs were kept) today's."""
    return item.unit_cost if item.unit_cost is not None else costs.get(item.variant_id)


def _reserve(order: SalesOrder, items: Sequence[SalesOrderItem]) -> dict[int, int]:
    return stock_reserve(
        organization_id=order.organization_id,
        warehouse_id=order.warehouse_id,
        lines=[ReservationLine(item.pk, item.variant_id, item.quantity) for item in items],
        reference=WORKFLOW.reference(order),
        number=order.number,
    )


def _release(order: SalesOrder) -> None:
    stock_release(organization_id=order.organization_id, reference=WORKFLOW.reference(order))


def _notify_requester(order: SalesOrder, *, by, approved: bool) -> None:
    """Have the requester e-mailed once the decision has committed (never for their own decision)."""
    requester = order.created_by
    if not requester.email or requester.pk == by.pk:
        return
    WORKFLOW.after_commit(order, REQUEST_DECIDED, approved=approved)
