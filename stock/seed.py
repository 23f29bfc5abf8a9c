"""Demo stock: opening stock for the demo catalog, then a few transfers and adjustments.

Everything goes through the services (the ledger writes every movement). Opening stock is then backdated to just
before the 90 days of purchase and sales history that later apps seed, with a queryset `.update()` of the
adjustments' and movements' `created_at`; rewriting history is allowed here only because this is demo data.
The transfers and the count happen "now".
"""

import random
from datetime import timedelta

from django.utils import timezone

from catalog.models import Variant
from core.roles import Role
from stock.kept import rebuild_movement_days
from stock.models import AdjustmentReason, StockAdjustment, StockLevel, StockMovement
from stock.services import (
    TransferLine,
    stock_adjustment_create,
    stock_level_set_override,
    transfer_approve,
    transfer_cancel,
    transfer_reject,
    transfer_request,
)

OPENING_DAYS_AGO = 92


def seed(ctx: dict) -> None:
    organization = ctx["organization"]
    users = ctx["users"]
    main, annex = ctx["warehouses"][0], ctx["warehouses"][-1]
    log = ctx.get("log", print)
    variants = list(ctx.get("variants") or Variant.objects.filter(organization=organization).order_by("pk"))
    if not variants:
        log("stock: no variants in the catalog; skipped the opening stock.")
        return
    rng = random.Random(4242)  # the same demo every time
    admin, manager, staff = users[Role.ADMIN], users[Role.MANAGER], users[Role.STAFF]

    opening = []
    for index, variant in enumerate(variants):
        # About one variant in six opens at or below its reorder level, so the alerts have something to show.
        if index % 6 == 5 and variant.reorder_level > 0:
            quantity = rng.randint(0, variant.reorder_level)
        else:
            quantity = rng.randint(max(variant.reorder_level, 10) + 5, max(variant.reorder_level, 10) * 4 + 20)
        if quantity:
            opening.append(_open(admin, variant, main, quantity))
        if index % 2 == 0:
            opening.append(_open(admin, variant, annex, rng.randint(5, 30)))
    _backdate(opening, timezone.now() - timedelta(days=OPENING_DAYS_AGO))

    # Transfers in every status: one completed, one waiting for approval, one rejected, one cancelled.
    stocked = [variant for variant in variants if _on_hand(variant, main) >= 10]
    moved = 0  # completed transfers
    if len(stocked) >= 2:
        completed = transfer_request(
            by=manager,
            source_warehouse=main,
            destination_warehouse=annex,
            items=[TransferLine(stocked[0], 4), TransferLine(stocked[1], 2)],
            note="Restock the city store",
        )
        transfer_approve(transfer=completed, by=admin)
        transfer_request(
            by=manager,
            source_warehouse=main,
            destination_warehouse=annex,
            items=[TransferLine(stocked[-1], 3)],
            note="Weekend promotion",
        )
        rejected = transfer_request(
            by=admin, source_warehouse=main, destination_warehouse=annex, items=[TransferLine(stocked[0], 50)]
        )
        transfer_reject(transfer=rejected, by=admin)
        cancelled = transfer_request(
            by=manager, source_warehouse=main, destination_warehouse=annex, items=[TransferLine(stocked[1], 1)]
        )
        transfer_cancel(transfer=cancelled, by=manager)
        moved = 1

        # A write-off and a physical count by the warehouse staff.
        stock_adjustment_create(by=staff, variant=stocked[0], warehouse=main, quantity=-2, note="Damaged in transit")
        stock_adjustment_create(
            by=staff,
            variant=stocked[1],
            warehouse=main,
            counted_quantity=max(_on_hand(stocked[1], main) - 1, 0),
            note="Quarterly count",
        )

    # One level watched more closely than its variant's default.
    level = StockLevel.objects.filter(organization=organization, warehouse=annex).order_by("pk").first()
    if level is not None:
        stock_level_set_override(level_id=level.pk, reorder_level_override=8)

    log(f"stock: opening stock for {len(variants)} variants ({len(opening)} levels), {moved} completed transfer(s).")
    # The history above was backdated: the kept day figures follow the movements' days.
    rebuild_movement_days(organization.pk)


def _open(by, variant, warehouse, quantity: int) -> StockAdjustment:
    return stock_adjustment_create(
        by=by,
        variant=variant,
        warehouse=warehouse,
        quantity=quantity,
        reason=AdjustmentReason.OPENING,
        note="Opening stock",
    )


def _on_hand(variant, warehouse) -> int:
    level = StockLevel.objects.filter(variant=variant, warehouse=warehouse).first()
    return level.quantity if level else 0


def _backdate(adjustments: list[StockAdjustment], when) -> None:
    StockAdjustment.objects.filter(pk__in=[a.pk for a in adjustments]).update(created_at=when)
    StockMovement.objects.filter(pk__in=[a.movement_id for a in adjustments if a.movement_id]).update(created_at=when)
