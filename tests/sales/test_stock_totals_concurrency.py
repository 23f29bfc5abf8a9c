"""The kept stock totals (decision 0024) under real concurrency (PostgreSQL): sales of two SKUs in either order, a
transfer, cost and price changes, a product moved to another category and given an expiration date, a receipt that
changes the average cost, and folds of the stale levels, all at once. Nothing deadlocks, and the totals answer
exactly what the levels add up to, before and after the last fold."""

from decimal import Decimal

import pytest

from bench import raw_dashboard
from catalog.services import product_update, variant_update
from core.dates import today_utc
from core.exceptions import InvalidInput
from dashboard.selectors import DashboardScope, dashboard_overview
from purchases.services import ItemInput, purchase_order_create
from sales.services import OrderLine, sales_order_create
from stock import totals
from stock.exceptions import InsufficientStock
from stock.kept import kept_figure_differences
from stock.services import transfer_approve
from stock.services.transfers import TransferLine, transfer_request
from tests.catalog.factories import CategoryFactory
from tests.concurrency import outcome, run_together
from tests.suppliers.factories import SupplierFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _outcome(call):
    return outcome(call, (InsufficientStock, InvalidInput))


def test_writers_of_levels_and_of_their_catalog_values_race_without_deadlock_and_stay_exact(
    org, admin, staff, warehouse, other_warehouse, mug, tee, shelve
):
    for variant in (mug, tee):
        shelve(variant, warehouse, 40)
        shelve(variant, other_warehouse, 10)
    totals.fold()
    shelf = CategoryFactory(organization=org, name="Shelf")
    supplier = SupplierFactory(organization=org)

    def sell(index):
        lines = [OrderLine(mug, 1), OrderLine(tee, 1)] if index % 2 else [OrderLine(tee, 2), OrderLine(mug, 1)]
        return sales_order_create(by=staff, warehouse=warehouse, lines=lines, status="fulfilled")

    def transfer(_index):
        moved = transfer_request(
            by=admin,
            source_warehouse=warehouse,
            destination_warehouse=other_warehouse,
            items=[TransferLine(tee, 2), TransferLine(mug, 2)],
        )
        transfer_approve(transfer=moved, by=admin)

    writes = [
        sell,
        sell,
        sell,
        sell,
        transfer,
        lambda i: variant_update(variant=mug, data={"cost": Decimal("5.50"), "price": Decimal("13.00")}),
        lambda i: variant_update(variant=tee, data={"cost": Decimal(f"{8 + i}.25")}),
        lambda i: product_update(product=tee.product, data={"category": shelf, "expiration_date": today_utc()}),
        lambda i: purchase_order_create(
            organization_id=org.pk,
            by=admin,
            supplier=supplier,
            warehouse=other_warehouse,
            items=[ItemInput(mug, 6, Decimal("9.00")), ItemInput(tee, 3, Decimal("11.00"))],
            status="received",
        ),
        lambda i: totals.fold(),
        lambda i: totals.fold_batch(limit=1),
        lambda i: totals.compact(),
    ]

    for _round in range(3):
        results = run_together(len(writes), lambda index: _outcome(lambda: writes[index](index)))
        assert not [result for result in results if isinstance(result, Exception)], results
        for scope in (DashboardScope(org.pk), DashboardScope(org.pk, frozenset({warehouse.pk}))):
            assert dashboard_overview(scope=scope) == raw_dashboard.dashboard_overview(scope=scope)
    totals.fold()
    assert kept_figure_differences() == []
    assert dashboard_overview(scope=DashboardScope(org.pk)) == raw_dashboard.dashboard_overview(
        scope=DashboardScope(org.pk)
    )
