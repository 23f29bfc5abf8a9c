"""`seed_demo` leaves pending orders holding all, part and none of what they ask, with the ledger's invariants kept."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Sum

from sales.models import SalesOrder
from stock.models import StockLevel, StockReservation
from users.models import Organization

pytestmark = pytest.mark.django_db


def _seed(**options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_demo", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_the_demo_has_pending_orders_fully_partly_and_not_reserved_and_stays_consistent():
    out, _ = _seed()

    organization = Organization.objects.get(name="Demo Company")
    pending = list(SalesOrder.objects.with_details().filter(organization=organization, status="pending"))
    statuses = {order.reservation_status for order in pending}
    assert statuses == {"reserved", "partial", "none"}
    assert "pending orders' reservations" in out
    partial = next(order for order in pending if order.reservation_status == "partial")
    line = partial.lines[0]
    assert 0 < line.quantity_reserved < line.quantity
    level = StockLevel.objects.get(variant_id=line.variant_id, warehouse_id=partial.warehouse_id)
    assert level.reserved == level.quantity  # the short requests took every unit left on that shelf
    held = StockReservation.objects.filter(organization=organization).aggregate(total=Sum("quantity"))["total"]
    assert held == StockLevel.objects.filter(organization=organization).aggregate(total=Sum("reserved"))["total"]
    call_command("check_stock_integrity", stdout=io.StringIO())  # raises CommandError on any difference


def test_seeding_again_adds_nothing_and_if_empty_says_nothing():
    _seed()
    counts = (SalesOrder.objects.count(), StockReservation.objects.count())

    _, again = _seed()
    _, quiet = _seed(if_empty=True)

    assert (SalesOrder.objects.count(), StockReservation.objects.count()) == counts
    assert "already exists" in again and quiet == ""
    call_command("check_stock_integrity", stdout=io.StringIO())
