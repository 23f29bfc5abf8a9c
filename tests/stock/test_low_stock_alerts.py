"""The low-stock job opens an alert when a level falls to its reorder level, and closes it when it rises above."""

from datetime import timedelta

import pytest
from django.core import mail

from stock.alerts import low_stock_job_run
from stock.models import LowStockAlert, Reason, StockLevel
from tests.catalog.factories import VariantFactory
from tests.stock.helpers import put_stock
from tests.stock.low_stock import DAY, level_of, mail_to, take_stock

pytestmark = pytest.mark.django_db


# --- Opening and closing alerts -------------------------------------------------------------------------------------


def test_a_level_at_its_reorder_level_opens_one_alert_that_a_second_run_does_not_duplicate(variant, warehouse):
    put_stock(variant, warehouse, 5)  # reorder level 5: at it counts as low

    first = low_stock_job_run(now=DAY)
    second = low_stock_job_run(now=DAY + timedelta(hours=1))

    [alert] = LowStockAlert.objects.all()
    assert (first.opened, second.opened) == (1, 0)
    assert alert.level == level_of(variant, warehouse)
    assert (alert.quantity_at_open, alert.reorder_level_at_open) == (5, 5)
    assert alert.opened_at == DAY and alert.closed_at is None


def test_a_level_above_its_reorder_level_opens_nothing(variant, warehouse):
    put_stock(variant, warehouse, 6)

    result = low_stock_job_run(now=DAY)

    assert result.opened == 0 and not LowStockAlert.objects.exists()
    assert mail.outbox == []


def test_an_alert_closes_when_its_level_rises_above_the_reorder_level(variant, warehouse):
    put_stock(variant, warehouse, 2)
    low_stock_job_run(now=DAY)

    put_stock(variant, warehouse, 10, reason=Reason.PURCHASE)
    result = low_stock_job_run(now=DAY + timedelta(hours=2))

    [alert] = LowStockAlert.objects.all()
    assert result.closed == 1 and result.open_alerts == 0
    assert alert.closed_at == DAY + timedelta(hours=2)


def test_a_level_that_recovers_and_drops_again_gets_a_new_alert_and_is_listed_once(admin, variant, warehouse):
    put_stock(variant, warehouse, 3)
    low_stock_job_run(now=DAY)
    put_stock(variant, warehouse, 10, reason=Reason.PURCHASE)  # 13: recovered
    low_stock_job_run(now=DAY + timedelta(days=1))
    take_stock(variant, warehouse, 12)  # 1: low again
    mail.outbox.clear()

    result = low_stock_job_run(now=DAY + timedelta(days=2))

    closed, reopened = LowStockAlert.objects.order_by("id")
    assert closed.closed_at == DAY + timedelta(days=1)
    assert reopened.closed_at is None and reopened.quantity_at_open == 1
    assert result.opened == 1
    body = mail_to("admin@example.com").body
    assert body.count("TEA-GREEN") == 1
    assert "1 on hand, reorder level 5" in body


def test_an_override_on_the_level_wins_over_the_variants_reorder_level(org, warehouse, other_warehouse):
    variant = VariantFactory(organization=org, sku="OVR-1", reorder_level=5)
    put_stock(variant, warehouse, 4)  # below the variant's 5, but the override says 2: not low
    put_stock(variant, other_warehouse, 8)  # above the variant's 5, but the override says 10: low
    StockLevel.objects.filter(warehouse=warehouse).update(reorder_level_override=2, reorder_level=2)
    StockLevel.objects.filter(warehouse=other_warehouse).update(reorder_level_override=10, reorder_level=10)

    low_stock_job_run(now=DAY)

    [alert] = LowStockAlert.objects.all()
    assert alert.level == level_of(variant, other_warehouse)
    assert alert.reorder_level_at_open == 10


def test_an_override_of_zero_makes_only_an_empty_level_low(org, warehouse):
    variant = VariantFactory(organization=org, sku="OVR-0", reorder_level=5)
    put_stock(variant, warehouse, 1)
    StockLevel.objects.filter(variant=variant).update(reorder_level_override=0, reorder_level=0)

    low_stock_job_run(now=DAY)
    assert not LowStockAlert.objects.exists()

    take_stock(variant, warehouse, 1)
    low_stock_job_run(now=DAY + timedelta(hours=1))
    assert LowStockAlert.objects.filter(closed_at__isnull=True).count() == 1


def test_lowering_the_override_below_the_quantity_closes_the_alert(variant, warehouse):
    put_stock(variant, warehouse, 4)
    low_stock_job_run(now=DAY)

    StockLevel.objects.filter(variant=variant).update(reorder_level_override=3, reorder_level=3)
    result = low_stock_job_run(now=DAY + timedelta(hours=1))

    assert result.closed == 1
    assert not LowStockAlert.objects.filter(closed_at__isnull=True).exists()
