"""Every write on purchase orders.

Each service that changes an existing order locks its row first (`SELECT ... FOR UPDATE`, evaluated) and only
then reads its status and items, so two requests on one order run one after the other and the second sees what
the first did: an order is received once, whatever arrives concurrently. Stock comes in through one
`stock_add` call per receipt; the receipt also updates the weighted average cost of each variant received.

Status moves, declared in `purchases.models.PURCHASE_ORDER_WORKFLOW` (anything else is `InvalidTransition`, 409):

    draft ──submit──▶ submitted ──receive──▶ partially_received ──receive──▶ received
      │                  │ └──────────────────receive (all)──────────────────▶ received
      └──cancel──▶ cancelled ◀──cancel──┘
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from catalog.models import Variant
from core.exceptions import InvalidInput, InvalidTransition
from core.permissions import ensure_role, ensure_warehouse_access
from core.roles import ADMIN_MANAGER, ADMIN_MANAGER_STAFF
from purchases.models import (
    CREATABLE_STATUSES,
    PURCHASE_ORDER_WORKFLOW,
    PurchaseOrder,
    PurchaseOrderItem,
    PurchaseOrderStatus,
    order_total,
)
from stock.models import Reason, StockLevel
from stock.services import StockChange, stock_add
from stock.totals import mark_levels_stale

WORKFLOW = PURCHASE_ORDER_WORKFLOW
CENT = Decimal("0.01")

Status = PurchaseOrderStatus
# Who may make each move (the role matrix: staff create and receive, managers and admins do everything).
MOVE_ROLES = {
    Status.SUBMITTED: ADMIN_MANAGER,
    Status.CANCELLED: ADMIN_MANAGER,
    Status.RECEIVED: ADMIN_MANAGER_STAFF,
}
CREATABLE = set(CREATABLE_STATUSES)
# Creating as "received" is a submission and a receipt at once: staff may receive, but not submit, so not this.
CREATE_ROLES = {**MOVE_ROLES, Status.RECEIVED: ADMIN_MANAGER}
_NOT_RECEIVABLE = "Only a submitted or partially received order can be received."


@dataclass(frozen=True)
class ItemInput:
    """A line as given by a caller: `unit_cost` None means the variant's current cost."""

    variant: Variant
    quantity_ordered: int
    unit_cost: Decimal | None = None

    @property
    def cost(self) -> Decimal:
        return self.variant.cost if self.unit_cost is None else self.unit_cost


@dataclass(frozen=True)
class ReceiptLine:
    """Receive `quantity` units of the order line with id `item_id`."""

    item_id: int
    quantity: int


# --- Creating and editing ---------------------------------------------------------------------------------------


@transaction.atomic
def purchase_order_create(
    *,
    organization_id: int,
    by,
    supplier,
    warehouse,
    items: Sequence[ItemInput],
    notes: str = "",
    status: str = Status.DRAFT,
) -> PurchaseOrder:
    """Create an order with its lines and a new number; `status` submitted or received makes those moves too.

    All or nothing: a direct purchase (`status="received"`) brings the stock in within the same transaction, and
    a failure anywhere leaves no order, no number used and no stock.
    """
    if status not in CREATABLE:
        raise InvalidInput({"status": [f"An order can be created as {', '.join(sorted(CREATABLE))}."]})
    if status in CREATE_ROLES and by is not None:
        ensure_role(by, CREATE_ROLES[status], f"Your role cannot create an order as {status}.")
    _ensure_access(by, warehouse.pk)
    _ensure_warehouse_active(warehouse)
    _ensure_items(items)
    _ensure_same_organization(organization_id, supplier=supplier, warehouse=warehouse, items=items)
    order = PurchaseOrder.objects.create(
        organization_id=organization_id,
        number=WORKFLOW.next_number(organization_id=organization_id),
        supplier=supplier,
        warehouse=warehouse,
        notes=notes,
        created_by=by,
        total_amount=order_total((item.quantity_ordered, item.cost) for item in items),
    )
    _create_items(order, items)
    if status in (Status.SUBMITTED, Status.RECEIVED):
        _submit(order)
    if status == Status.RECEIVED:
        _receive(order, by=by, lines=None)
    return order


@transaction.atomic
def purchase_order_update(*, order: PurchaseOrder, by, data: dict) -> PurchaseOrder:
    """Change the fields `data` names (`supplier`, `warehouse`, `notes`, `items`, `status`), then make the status
    move (if any), all in one transaction.

    Locks the order. Supplier, warehouse and items change only in draft (`InvalidTransition` otherwise); notes
    change in any status. A `status` equal to the current one or not reachable from it is `InvalidTransition`.
    """
    order = _lock(order, by=by)
    if data.keys() & {"supplier", "warehouse", "items"}:
        _ensure_draft(order, "Only a draft order can be edited.")
    _ensure_same_organization(
        order.organization_id, supplier=data.get("supplier"), warehouse=data.get("warehouse"), items=data.get("items")
    )
    fields = [field for field in ("supplier", "notes") if field in data]
    for field in fields:
        setattr(order, field, data[field])
    warehouse = data.get("warehouse")
    if warehouse is not None and warehouse.pk != order.warehouse_id:
        _ensure_access(by, warehouse.pk)
        _ensure_warehouse_active(warehouse)
        order.warehouse = warehouse
        fields.append("warehouse")
    if fields:
        order.save(update_fields=[*fields, "updated_at"])
    if "items" in data:
        _replace_items(order, data["items"])
    if "status" in data:
        _set_status(order, data["status"], by=by)
    return order


@transaction.atomic
def purchase_order_update_items(*, order: PurchaseOrder, by, items: Sequence[ItemInput]) -> PurchaseOrder:
    """Replace every line of a draft order. Locks the order; `InvalidTransition` once it left draft."""
    order = _lock(order, by=by)
    _ensure_draft(order, "Only a draft order's items can be edited.")
    _ensure_same_organization(order.organization_id, items=items)
    _replace_items(order, items)
    return order


# --- Status moves -------------------------------------------------------------------------------------------------


@transaction.atomic
def purchase_order_submit(*, order: PurchaseOrder, by) -> PurchaseOrder:
    """Move draft → submitted. Locks the order."""
    order = _lock(order, by=by)
    _submit(order)
    return order


@transaction.atomic
def purchase_order_receive(*, order: PurchaseOrder, by, lines: Sequence[ReceiptLine] | None = None) -> PurchaseOrder:
    """Receive `lines` (None: everything still open) into the order's warehouse, all or nothing.

    Locks the order, then checks every line against what is still open *after* the lock (so a concurrent
    receipt is counted), writes IN movements through the ledger, updates the average costs and moves the order
    to partially_received or received. Raises `InvalidTransition` unless the order is submitted or partially
    received, `InvalidInput` (`items.<i>.quantity`) for a line asking more than is open.
    """
    order = _lock(order, by=by)
    _receive(order, by=by, lines=lines)
    return order


@transaction.atomic
def purchase_order_cancel(*, order: PurchaseOrder, by) -> PurchaseOrder:
    """Move draft | submitted → cancelled. Locks the order. Nothing has come in yet, so no stock moves."""
    order = _lock(order, by=by)
    _cancel(order)
    return order


@transaction.atomic
def purchase_order_set_status(*, order: PurchaseOrder, by, status: str) -> PurchaseOrder:
    """Move to `status` the way the matching action would (`PATCH {status}`). Locks the order.

    `received` receives everything still open. Any status that is not a legal move from the current one —
    backwards, the same, or `partially_received` (which needs quantities: use receive) — is `InvalidTransition`.
    """
    order = _lock(order, by=by)
    _set_status(order, status, by=by)
    return order


# --- Internals ----------------------------------------------------------------------------------------------------


def _lock(order: PurchaseOrder, *, by) -> PurchaseOrder:
    locked = WORKFLOW.locked(order)  # before any status is read
    _ensure_access(by, locked.warehouse_id)
    return locked


def _ensure_access(by, warehouse_id: int) -> None:
    if by is not None:  # None: system code (seed, tasks) acting for the organization
        ensure_warehouse_access(by, [warehouse_id])


def _ensure_warehouse_active(warehouse) -> None:
    if not warehouse.is_active:
        raise InvalidInput({"warehouse": ["This warehouse is inactive."]})


def _ensure_draft(order: PurchaseOrder, message: str) -> None:
    if order.status != Status.DRAFT:
        raise InvalidTransition(f"{message} This order is {order.status}.", current_status=order.status)


def _move(order: PurchaseOrder, target: str, message: str, **fields) -> None:
    WORKFLOW.move(order, target, detail=f"{message} This order is {order.status}.", **fields)


def _ensure_same_organization(organization_id: int, *, supplier=None, warehouse=None, items=None) -> None:
    # Serializers already refuse other organizations' ids (400); this guards every other caller, with the 400 the
    # sales services give.
    errors: dict = {}
    for field, obj in (("supplier", supplier), ("warehouse", warehouse)):
        if obj is not None and obj.organization_id != organization_id:
            errors[field] = [f"Unknown {field}."]
    foreign = [item.variant.organization_id != organization_id for item in items or ()]
    if any(foreign):
        errors["items"] = [{"variant": ["Unknown variant."]} if bad else {} for bad in foreign]
    if errors:
        raise InvalidInput(errors)


def _ensure_items(items: Sequence[ItemInput]) -> None:
    if not items:
        raise InvalidInput({"items": ["An order needs at least one item."]})


def _create_items(order: PurchaseOrder, items: Sequence[ItemInput]) -> None:
    PurchaseOrderItem.objects.bulk_create(
        [
            PurchaseOrderItem(
                order=order, variant=item.variant, quantity_ordered=item.quantity_ordered, unit_cost=item.cost
            )
            for item in items
        ]
    )


def _replace_items(order: PurchaseOrder, items: Sequence[ItemInput]) -> None:
    _ensure_items(items)
    order.items.all().delete()
    _create_items(order, items)
    order.total_amount = order_total((item.quantity_ordered, item.cost) for item in items)
    order.save(update_fields=["total_amount", "updated_at"])


def _submit(order: PurchaseOrder) -> None:
    _move(order, Status.SUBMITTED, "Only a draft order can be submitted.", submitted_at=timezone.now())


def _cancel(order: PurchaseOrder) -> None:
    _move(order, Status.CANCELLED, "Only a draft or submitted order can be cancelled.", cancelled_at=timezone.now())


def _set_status(order: PurchaseOrder, status: str, *, by) -> None:
    if status == order.status:
        raise WORKFLOW.refusal(order, status, f"This order is already {status}.")
    if status in MOVE_ROLES and by is not None:
        ensure_role(by, MOVE_ROLES[status], f"Your role cannot move an order to {status}.")
    if status == Status.SUBMITTED:
        _submit(order)
    elif status == Status.RECEIVED:
        _receive(order, by=by, lines=None)
    elif status == Status.CANCELLED:
        _cancel(order)
    elif status == Status.PARTIALLY_RECEIVED:
        detail = "A partial receipt needs quantities: POST them to the order's receive route."
        raise WORKFLOW.refusal(order, status, detail)
    else:  # draft, or anything else: orders never move backwards
        raise WORKFLOW.refusal(order, status, f"An order cannot move from {order.status} to {status}.")


def _receive(order: PurchaseOrder, *, by, lines: Sequence[ReceiptLine] | None) -> None:
    """Receive into a locked order (`InvalidTransition` unless it may be received). Reads its items after the lock."""
    WORKFLOW.ensure_move(order, Status.RECEIVED, _NOT_RECEIVABLE + f" This order is {order.status}.")
    items = {item.pk: item for item in PurchaseOrderItem.objects.filter(order=order).order_by("pk")}
    receipt = _receipt_quantities(items, lines)
    if not receipt:
        raise WORKFLOW.refusal(order, Status.RECEIVED, "Nothing is open on this order.")
    now = timezone.now()
    changed, changes = [], []
    for item_id, quantity in receipt:
        item = items[item_id]
        item.quantity_received += quantity
        changed.append(item)
        changes.append(StockChange(item.variant_id, order.warehouse_id, quantity, item.unit_cost))
    PurchaseOrderItem.objects.bulk_update(changed, ["quantity_received"])
    variants = _variants_locked({change.variant_id for change in changes})
    # Their cost changes below, and what all their levels are worth: marked before the ledger locks any level.
    mark_levels_stale(variant_ids=[variant.pk for variant in variants])
    stock_add(
        organization_id=order.organization_id,
        changes=changes,
        reason=Reason.PURCHASE,
        by=by,
        reference=WORKFLOW.reference(order),
        note=f"Purchase order {order.number}",
    )
    _update_average_costs(order.organization_id, changes, variants)
    if all(item.quantity_received == item.quantity_ordered for item in items.values()):
        WORKFLOW.move(order, Status.RECEIVED, received_at=now)
    else:
        WORKFLOW.move(order, Status.PARTIALLY_RECEIVED)


def _receipt_quantities(
    items: dict[int, PurchaseOrderItem], lines: Sequence[ReceiptLine] | None
) -> list[tuple[int, int]]:
    """(item id, quantity) pairs to receive, in item order; raises one InvalidInput naming every bad line."""
    if lines is None:
        return [(pk, item.quantity_open) for pk, item in items.items() if item.quantity_open > 0]
    if not lines:
        raise InvalidInput({"items": ["Name at least one item to receive, or omit items to receive everything."]})
    errors: dict[str, list[str]] = {}
    asked: dict[int, int] = defaultdict(int)
    for index, line in enumerate(lines):
        item = items.get(line.item_id)
        if item is None:
            errors[f"items.{index}.item"] = [f"Item {line.item_id} is not a line of this order."]
            continue
        if line.quantity <= 0:
            errors[f"items.{index}.quantity"] = ["Ensure this value is greater than or equal to 1."]
            continue
        asked[item.pk] += line.quantity
        if asked[item.pk] > item.quantity_open:
            errors[f"items.{index}.quantity"] = [
                f"Only {item.quantity_open} of this line are still open (ordered {item.quantity_ordered}, "
                f"received {item.quantity_received})."
            ]
    if errors:
        raise InvalidInput(errors)
    return sorted(asked.items())


def _variants_locked(variant_ids: set[int]) -> list[Variant]:
    """The received variants, locked in pk order *before* the ledger locks their levels: a variant row is always
    taken before its levels. NO KEY UPDATE, as an UPDATE of the cost takes: a sale's foreign-key checks at its
    commit (KEY SHARE on its variants, after its level locks) must not wait for it while it waits for their levels.
    """
    return list(Variant.objects.select_for_update(no_key=True, of=("self",)).filter(pk__in=variant_ids).order_by("pk"))


def _update_average_costs(organization_id: int, changes: Sequence[StockChange], variants: list[Variant]) -> None:
    """Set each received variant's weighted average cost, rounded to cents.

    new cost = (on hand before × old cost + Σ received × unit cost) / (on hand before + Σ received); with nothing on
    hand before, it is the (average) unit cost received.

    "On hand" spans every warehouse of the organization. Runs after the ledger call (which locked and raised the
    receiving levels) on the variant rows locked before it, so concurrent receipts of one variant update its cost
    one after the other, each from the other's result.
    """
    received: dict[int, int] = defaultdict(int)
    value: dict[int, Decimal] = defaultdict(Decimal)
    for change in changes:
        received[change.variant_id] += change.quantity
        value[change.variant_id] += change.quantity * change.unit_cost
    on_hand_after = dict(
        StockLevel.objects.filter(organization_id=organization_id, variant_id__in=received)
        .values("variant_id")
        .annotate(total=Sum("quantity"))
        .values_list("variant_id", "total")
    )
    now = timezone.now()
    for variant in variants:
        before = max((on_hand_after.get(variant.pk) or 0) - received[variant.pk], 0)
        if before == 0:
            new_cost = value[variant.pk] / received[variant.pk]
        else:
            new_cost = (before * variant.cost + value[variant.pk]) / (before + received[variant.pk])
        variant.cost = new_cost.quantize(CENT, rounding=ROUND_HALF_UP)
        variant.updated_at = now
    Variant.objects.bulk_update(variants, ["cost", "updated_at"])
