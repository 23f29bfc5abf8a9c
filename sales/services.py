"""Every write on sales orders.

Each operation runs in one transaction that first locks the order row (`SELECT ... FOR UPDATE`, evaluated) and
only then reads its status, so two requests can never both see `pending` and both take the stock, and a status
can never be toggled back to re-apply stock: `TRANSITIONS` has no arrow back to `pending`. Stock moves through the
ledger only, in one call per operation, with `Reference("sales_order", order.id)`; the ledger locks the levels
after our order row, so locks are always taken in the order document → levels.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied, ValidationError

from catalog.models import Variant
from core.exceptions import Conflict, InvalidTransition
from core.numbering import next_number
from core.permissions import ensure_warehouse_access
from core.roles import ADMIN_MANAGER_STAFF
from sales.models import TRANSITIONS, SalesOrder, SalesOrderItem, SalesOrderStatus
from stock.models import Reason
from stock.services import (
    Reference,
    ReservationLine,
    StockChange,
    stock_add,
    stock_release,
    stock_remove,
    stock_reservation_top_up,
    stock_reserve,
)
from warehouses.models import Warehouse

logger = logging.getLogger(__name__)

NUMBER_PREFIX = "SO"
REFERENCE_TYPE = "sales_order"
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
        raise ValidationError({"status": ['A new order is either "pending" or "fulfilled".']})
    if not lines:
        raise ValidationError({"items": ["An order needs at least one item."]})
    _ensure_same_organization(by, warehouse, lines)
    if status == SalesOrderStatus.FULFILLED:
        _ensure_may_decide(by, warehouse, "Only staff and up can sell directly; a viewer's order is a request.")

    with transaction.atomic():
        now = timezone.now()
        fulfilled = status == SalesOrderStatus.FULFILLED
        order = SalesOrder.objects.create(
            organization_id=warehouse.organization_id,
            number=next_number(organization_id=warehouse.organization_id, prefix=NUMBER_PREFIX),
            warehouse=warehouse,
            customer_name=customer_name,
            customer_email=customer_email,
            notes=notes,
            status=status,
            created_by=by,
            decided_by=by if fulfilled else None,
            decided_at=now if fulfilled else None,
            fulfilled_at=now if fulfilled else None,
        )
        items = SalesOrderItem.objects.bulk_create(
            [
                SalesOrderItem(
                    order=order,
                    variant=line.variant,
                    quantity=line.quantity,
                    unit_price=line.variant.price if line.unit_price is None else line.unit_price,
                )
                for line in lines
            ]
        )
        if fulfilled:
            _take_stock(order, items, by)
        else:
            _reserve(order, items)
    return order


# --- Decisions on a pending order ---------------------------------------------------------------------------------
def sales_order_fulfil(*, order: SalesOrder, by, notify: bool = True) -> SalesOrder:
    """Approve a pending order: take every line's stock (its reservation, then available units), or raise
    `InsufficientStock` and change nothing.

    Locks the order first, so concurrent fulfils of one order fulfil it once; the others get `InvalidTransition`.
    The requester is e-mailed once it commits (`notify=False`: demo data).
    """
    _ensure_may_decide(by, order.warehouse_id)
    with transaction.atomic():
        order = _locked(order)
        _ensure_transition(order, SalesOrderStatus.FULFILLED)
        _take_stock(order, list(order.items.order_by("id")), by, consumes=True)
        now = timezone.now()
        order.status = SalesOrderStatus.FULFILLED
        order.decided_by, order.decided_at, order.fulfilled_at = by, now, now
        order.save(update_fields=["status", "decided_by", "decided_at", "fulfilled_at", "updated_at"])
        if notify:
            _notify_requester(order, by=by, approved=True)
    return order


def sales_order_reject(*, order: SalesOrder, by, reason: str = "", notify: bool = True) -> SalesOrder:
    """Refuse a pending order (no stock was ever taken for it; its reservation is released). Locks the order first;
    e-mails the requester.
    """
    _ensure_may_decide(by, order.warehouse_id)
    with transaction.atomic():
        order = _locked(order)
        _ensure_transition(order, SalesOrderStatus.REJECTED)
        _release(order)
        order.status = SalesOrderStatus.REJECTED
        order.rejection_reason = reason
        order.decided_by, order.decided_at = by, timezone.now()
        order.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at", "updated_at"])
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
        order = _locked(order)
        _ensure_transition(order, SalesOrderStatus.CANCELLED)
        _release(order)
        order.status = SalesOrderStatus.CANCELLED
        order.decided_by, order.decided_at = by, timezone.now()
        order.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    return order


def sales_order_reserve(*, order: SalesOrder, by) -> SalesOrder:
    """Top up a pending order's reservation now from the available units (staff and up of its warehouse).

    Locks the order first; a non-pending order raises `InvalidTransition` (it holds nothing and never will).
    """
    _ensure_may_decide(by, order.warehouse_id)
    with transaction.atomic():
        order = _locked(order)
        if not order.is_pending:
            raise _invalid(order, "reserved", f"A {order.get_status_display().lower()} order holds no reservation.")
        stock_reservation_top_up(organization_id=order.organization_id, reference=Reference(REFERENCE_TYPE, order.pk))
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
        order = _locked(order)
        if order.status not in (SalesOrderStatus.FULFILLED, SalesOrderStatus.PARTIALLY_RETURNED):
            raise _invalid(order, SalesOrderStatus.RETURNED, "Only a fulfilled order can take returns.")
        items = {item.pk: item for item in order.items.order_by("id")}
        if lines is None:
            lines = [ReturnLine(item.pk, item.quantity_left) for item in items.values() if item.quantity_left]
        quantities = _checked_return_quantities(items, lines)

        changes = [
            StockChange(items[item_id].variant_id, order.warehouse_id, quantity, items[item_id].unit_cost)
            for item_id, quantity in quantities.items()
        ]
        stock_add(
            organization_id=order.organization_id,
            changes=changes,
            reason=Reason.RETURN,
            by=by,
            reference=Reference(REFERENCE_TYPE, order.pk),
            note=f"Return on {order.number}",
        )
        for item_id, quantity in quantities.items():
            SalesOrderItem.objects.filter(pk=item_id).update(quantity_returned=F("quantity_returned") + quantity)
            items[item_id].quantity_returned += quantity  # mirrors the update; the row is ours under the order lock

        everything_back = all(item.quantity_left == 0 for item in items.values())
        order.status = SalesOrderStatus.RETURNED if everything_back else SalesOrderStatus.PARTIALLY_RETURNED
        order.save(update_fields=["status", "updated_at"])
    return order


def _checked_return_quantities(items: dict[int, SalesOrderItem], lines: Sequence[ReturnLine]) -> dict[int, int]:
    """Sum the lines per item; raise one 400 listing every bad line by its index."""
    if not lines:
        raise ValidationError({"items": ["Name at least one line to return."]})
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
        raise ValidationError({"items": errors})
    return wanted


# --- PATCH --------------------------------------------------------------------------------------------------------
def sales_order_set_status(*, order: SalesOrder, status: str, by, reason: str = "") -> SalesOrder:
    """Move the order to `status` by running the operation that leads there (fulfil, reject, cancel, return all).

    A status that is not a legal move from the current one — backwards, or the one it already has — raises
    `InvalidTransition`; nothing is ever silently ignored. Locks the order first.
    """
    with transaction.atomic():
        order = _locked(order)
        if status == order.status:  # a second partial return is a move, but not one a bare status can express
            raise _invalid(order, status, f"The order is already {order.get_status_display().lower()}.")
        _ensure_transition(order, status)
        if status == SalesOrderStatus.FULFILLED:
            return sales_order_fulfil(order=order, by=by)
        if status == SalesOrderStatus.REJECTED:
            return sales_order_reject(order=order, by=by, reason=reason)
        if status == SalesOrderStatus.CANCELLED:
            return sales_order_cancel(order=order, by=by)
        if status == SalesOrderStatus.RETURNED:
            return sales_order_return_items(order=order, by=by)
        raise ValidationError({"status": ["A partial return names its lines: POST them to the order's return/."]})


def sales_order_update(*, order: SalesOrder, by, data: dict) -> SalesOrder:
    """Apply a PATCH: customer details and notes (while pending), then a status move if one is asked for.

    All or nothing: an illegal status leaves the details unchanged too.
    """
    with transaction.atomic():
        order = _locked(order)
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
def _locked(order: SalesOrder) -> SalesOrder:
    # .get() evaluates the queryset: the row lock is really taken here, and the status read is the committed one.
    return SalesOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)


def _invalid(order: SalesOrder, target: str, detail: str | None = None) -> InvalidTransition:
    detail = detail or f"A {order.get_status_display().lower()} order cannot become {target}."
    return InvalidTransition(detail, current_status=order.status, requested_status=target)


def _ensure_transition(order: SalesOrder, target: str) -> None:
    if target not in TRANSITIONS.get(order.status, ()):
        raise _invalid(order, target)


def _ensure_may_decide(by, warehouse, message: str | None = None) -> None:
    """Fulfil, reject, return, sell directly: admins anywhere, managers and staff in their own warehouses."""
    if by.role not in ADMIN_MANAGER_STAFF:
        raise PermissionDenied(message or "Your role does not allow this action on sales orders.")
    ensure_warehouse_access(by, [warehouse])


def _ensure_same_organization(by, warehouse: Warehouse, lines: Sequence[OrderLine]) -> None:
    # The API's related fields already refuse foreign ids; this guards other callers (admin, seeds, tasks).
    organization_id = by.organization_id
    if warehouse.organization_id != organization_id:
        raise ValidationError({"warehouse": ["Unknown warehouse."]})
    bad = [
        {"variant": ["Unknown variant."]} if line.variant.organization_id != organization_id else {} for line in lines
    ]
    if any(bad):
        raise ValidationError({"items": bad})


def _take_stock(order: SalesOrder, items: Sequence[SalesOrderItem], by, *, consumes: bool = False) -> None:
    """One ledger call for the whole order: every line its own OUT movement, checked against the lines' total and
    the available units (plus the order's own reservation, which it `consumes`).
    """
    reference = Reference(REFERENCE_TYPE, order.pk)
    movements = stock_remove(
        organization_id=order.organization_id,
        changes=[StockChange(item.variant_id, order.warehouse_id, item.quantity) for item in items],
        reason=Reason.SALE,
        by=by,
        reference=reference,
        note=order.number,
        consumes=reference if consumes else None,
    )
    # The ledger returns movements in line order, each with the variant's cost at this moment.
    for item, movement in zip(items, movements, strict=True):
        item.unit_cost = movement.unit_cost
    SalesOrderItem.objects.bulk_update(items, ["unit_cost"])


def _reserve(order: SalesOrder, items: Sequence[SalesOrderItem]) -> None:
    stock_reserve(
        organization_id=order.organization_id,
        warehouse_id=order.warehouse_id,
        lines=[ReservationLine(item.pk, item.variant_id, item.quantity) for item in items],
        reference=Reference(REFERENCE_TYPE, order.pk),
        number=order.number,
    )


def _release(order: SalesOrder) -> None:
    stock_release(organization_id=order.organization_id, reference=Reference(REFERENCE_TYPE, order.pk))


def _notify_requester(order: SalesOrder, *, by, approved: bool) -> None:
    """E-mail the requester once the decision has committed (never for their own decision)."""
    requester = order.created_by
    if not requester.email or requester.pk == by.pk:
        return
    outcome = "approved and fulfilled" if approved else "rejected"
    lines = [
        f"Hello {requester.get_full_name() or requester.username},",
        "",
        f"Your order {order.number} from {order.warehouse.name} was {outcome} by {by.username}.",
    ]
    if not approved and order.rejection_reason:
        lines.append(f"Reason: {order.rejection_reason}")
    subject = f"Order {order.number} {'approved' if approved else 'rejected'}"
    transaction.on_commit(partial(_send, subject, "\n".join(lines), requester.email))


def _send(subject: str, body: str, recipient: str) -> None:
    # After commit the decision stands whatever the mail server says: log a failure instead of failing the request.
    try:
        send_mail(subject, body, None, [recipient])
    except Exception:
        logger.exception("Could not e-mail %s about %s", recipient, subject)
