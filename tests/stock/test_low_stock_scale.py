"""The low-stock job at scale: its queries do not grow with the levels, and two runs at once do no work twice."""

import threading
from datetime import timedelta

import factory
import pytest
from django.core import mail
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from core.roles import Role
from stock.alerts import low_stock_job_run
from stock.models import LowStockAlert, LowStockDigest, Reason, StockLevel
from stock.services import StockChange, stock_add
from tests.catalog.factories import VariantFactory
from tests.stock.low_stock import DAY
from tests.users.factories import UserFactory
from tests.warehouses.factories import WarehouseFactory

pytestmark = pytest.mark.django_db


# --- Scale ----------------------------------------------------------------------------------------------------------


def _low_levels(org, warehouse, count, prefix):
    """`count` variants at 1 unit in `warehouse` with reorder level 10, stocked in one ledger call."""
    variants = VariantFactory.create_batch(
        count, organization=org, reorder_level=10, sku=factory.Sequence(lambda n: f"{prefix}-{n:05d}")
    )
    stock_add(
        organization_id=org.pk,
        changes=[StockChange(v.pk, warehouse.pk, 1) for v in variants],
        reason=Reason.OPENING,
    )


def test_the_number_of_queries_does_not_grow_with_the_number_of_levels(org, admin, manager, warehouse):
    _low_levels(org, warehouse, 3, "FEW")
    with CaptureQueriesContext(connection) as few:
        low_stock_job_run(now=DAY)

    _low_levels(org, warehouse, 60, "MANY")
    StockLevel.objects.filter(variant__sku__startswith="FEW").update(
        reorder_level_override=0, reorder_level=0
    )  # 3 to close
    with CaptureQueriesContext(connection) as many:
        result = low_stock_job_run(now=DAY + timedelta(days=1))

    assert (result.opened, result.closed, result.sent) == (60, 3, 2)
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Two runs at once (PostgreSQL) ----------------------------------------------------------------------------------


def _run_twice_at_once():
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(low_stock_job_run(now=DAY))
        except Exception as error:  # noqa: BLE001 - reported by the caller
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_open_each_alert_once_and_send_each_digest_once(org, warehouse, other_warehouse):
    UserFactory(organization=org, username="boss", role=Role.ADMIN)
    UserFactory(organization=org, username="main_mgr", role=Role.MANAGER, warehouses=[warehouse])
    UserFactory(organization=org, username="annex_mgr", role=Role.MANAGER, warehouses=[other_warehouse])
    for place in (warehouse, other_warehouse, WarehouseFactory(organization=org)):
        _low_levels(org, place, 20, f"C{place.pk}")

    for _ in range(5):
        mail.outbox.clear()
        LowStockDigest.objects.all().delete()
        LowStockAlert.objects.all().delete()

        results, errors = _run_twice_at_once()

        assert errors == []
        assert sum(result.opened for result in results) == 60
        assert sum(result.sent for result in results) == 3
        assert LowStockAlert.objects.filter(closed_at__isnull=True).count() == 60
        assert sorted(message.to[0] for message in mail.outbox) == [
            "annex_mgr@example.com",
            "boss@example.com",
            "main_mgr@example.com",
        ]
