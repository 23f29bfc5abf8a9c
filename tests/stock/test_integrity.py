"""`check_stock_integrity` (command and nightly task) recomputes levels from the ledger and names what differs."""

import logging

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from catalog.models import Product, Variant
from stock.models import StockLevel, StockMovement
from stock.services import StockChange, stock_remove
from stock.tasks import check_stock_integrity
from tests.stock.helpers import put_stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(org, variant, variant_b, warehouse, other_warehouse):
    put_stock(variant, warehouse, 10)
    put_stock(variant, other_warehouse, 4)
    put_stock(variant_b, warehouse, 7)
    stock_remove(organization_id=org.pk, changes=[StockChange(variant.pk, warehouse.pk, 3)], reason="sale")


def test_a_consistent_database_exits_zero(history, capsys):
    call_command("check_stock_integrity")

    out = capsys.readouterr().out
    assert "Checked 3 stock levels and 4 movements: the ledger is consistent." in out


def test_an_empty_database_is_consistent(db, capsys):
    call_command("check_stock_integrity")

    assert "consistent" in capsys.readouterr().out


def test_a_level_changed_behind_the_ledgers_back_exits_non_zero_and_is_named(history, variant, warehouse, capsys):
    level = StockLevel.objects.get(variant=variant, warehouse=warehouse)
    StockLevel.objects.filter(pk=level.pk).update(quantity=level.quantity + 5)  # corrupt it

    with pytest.raises(CommandError) as raised:
        call_command("check_stock_integrity")

    assert raised.value.returncode == 1
    assert "2 difference(s)" in str(raised.value)  # the level, and its product's total that no longer matches it
    err = capsys.readouterr().err
    assert f"TEA-GREEN (variant {variant.pk}) in warehouse {warehouse.pk}: level {level.pk} holds 12" in err
    assert "movements add up to 7" in err
    assert f"product {variant.product_id} (Green tea) records stock_quantity 11, its levels add up to 16" in err
    assert "TEA-BLACK" not in err


def test_a_product_total_changed_behind_the_ledgers_back_is_named(history, variant, capsys):
    Product.objects.filter(pk=variant.product_id).update(stock_quantity=F("stock_quantity") + 1)

    with pytest.raises(CommandError) as raised:
        call_command("check_stock_integrity")

    assert "1 difference(s)" in str(raised.value)
    assert f"product {variant.product_id} (Green tea) records stock_quantity 12, its levels add up to 11" in (
        capsys.readouterr().err
    )


def test_a_reorder_level_changed_behind_the_catalogs_back_is_named(history, variant, warehouse, capsys):
    Variant.objects.filter(pk=variant.pk).update(reorder_level=9)  # the levels still keep 5

    with pytest.raises(CommandError) as raised:
        call_command("check_stock_integrity")

    assert "2 difference(s)" in str(raised.value)  # one level in each warehouse
    level = StockLevel.objects.get(variant=variant, warehouse=warehouse)
    err = capsys.readouterr().err
    assert f"level {level.pk} (TEA-GREEN in warehouse {warehouse.pk}) keeps reorder level 5, its effective" in err


def test_a_movement_deleted_behind_the_ledgers_back_is_found(history, variant_b, capsys):
    StockMovement.objects.filter(variant=variant_b).delete()

    with pytest.raises(CommandError):
        call_command("check_stock_integrity")

    assert "TEA-BLACK" in capsys.readouterr().err


def test_a_wrong_balance_after_is_found(history, variant, warehouse, capsys):
    first = StockMovement.objects.filter(variant=variant, warehouse=warehouse).order_by("id").first()
    StockMovement.objects.filter(pk=first.pk).update(balance_after=11)

    with pytest.raises(CommandError):
        call_command("check_stock_integrity")

    assert f"movement {first.pk}" in capsys.readouterr().err


def test_movements_without_a_level_row_are_found(history, variant_b, warehouse, capsys):
    level = StockLevel.objects.get(variant=variant_b)
    StockLevel.objects.filter(pk=level.pk).delete()

    with pytest.raises(CommandError):
        call_command("check_stock_integrity")

    assert "no level row" in capsys.readouterr().err


def test_one_organization_can_be_checked_alone(history, org, other_org, other_admin, foreign_warehouse, capsys):
    from tests.catalog.factories import VariantFactory

    foreign = VariantFactory(organization=other_org)
    put_stock(foreign, foreign_warehouse, 2)
    StockLevel.objects.filter(variant=foreign).update(quantity=9)

    call_command("check_stock_integrity", organization=org.pk)

    with pytest.raises(CommandError):
        call_command("check_stock_integrity", organization=other_org.pk)


def test_the_nightly_task_logs_each_difference(history, variant, warehouse, caplog):
    StockLevel.objects.filter(variant=variant, warehouse=warehouse).update(quantity=0)

    with caplog.at_level(logging.ERROR, logger="stockroom.stock.integrity"):
        result = check_stock_integrity.apply().get()

    assert len(result["differences"]) == 2  # the level, and its product's total
    assert "TEA-GREEN" in result["differences"][0]
    assert any("TEA-GREEN" in record.getMessage() for record in caplog.records)


def test_the_nightly_task_reports_nothing_on_a_consistent_database(history):
    result = check_stock_integrity.apply().get()

    assert result == {"levels_checked": 3, "movements_checked": 4, "differences": []}


def test_the_task_is_scheduled_nightly():
    from django.conf import settings

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "stock.tasks.check_stock_integrity" in scheduled
