"""The kept stock totals (decision 0024) answer what the aggregates over the levels answer, after every kind of write.

`bench.raw_dashboard` holds the overview and the warehouse stock figures as they were computed before: sums over
every level joined to its variant and product. After each write of a long mix (stock in and out, reservations,
reorder levels, costs and prices, categories and expiration dates through the services, the CSV import and the
admin, receipts that change the average cost, transfers), both must answer the same for every scope, with the
stale levels not folded, partly folded, folded and compacted. `check_stock_integrity` finds nothing, and names a
level changed behind the ledger's back or a tampered tally row.
"""

import io
import json
from decimal import Decimal

import pytest
from django.contrib.admin.sites import AdminSite
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from rest_framework.utils.encoders import JSONEncoder

from bench import raw_dashboard
from catalog.admin import ProductAdmin
from catalog.imports import product_import_csv
from catalog.models import Product
from catalog.services import product_update, variant_update
from dashboard import selectors
from dashboard.serializers import OverviewSerializer
from purchases.services import ItemInput, purchase_order_create
from stock import totals
from stock.models import StockExpiry, StockLevel, StockTotal
from stock.services import stock_level_update, transfer_approve
from stock.services.transfers import TransferLine, transfer_request
from tests.dashboard.conftest import TODAY, days_ago
from tests.dashboard.helpers import moment, travel


def _json(data) -> str:
    return json.dumps(data, cls=JSONEncoder, sort_keys=True)


@pytest.fixture
def shop(org, warehouse, other_warehouse, admin, staff, viewer, supplier, category, make_variant, books):
    tea, cake_shelf = category("Tea"), category("Cakes")
    category("Empty")
    green = make_variant("Green tea", "2.50", "4.00", category=tea, reorder_level=5)
    cake = make_variant("Cake", "7.00", "12.00", category=cake_shelf, expires=days_ago(1))
    loose = make_variant("Loose", "1.10", "3.30", reorder_level=2)  # no category
    for variant in (green, cake, loose):
        books.add(variant, warehouse, 20, by=admin, day=days_ago(10))
    books.add(green, other_warehouse, 6, by=admin, day=days_ago(10))
    return {"green": green, "cake": cake, "loose": loose, "tea": tea, "cakes": cake_shelf}


def _scopes(org, warehouse, other_warehouse):
    return [
        selectors.DashboardScope(org.pk, None),
        selectors.DashboardScope(org.pk, frozenset({warehouse.pk})),
        selectors.DashboardScope(org.pk, frozenset({other_warehouse.pk})),
        selectors.DashboardScope(org.pk, frozenset()),
    ]


def _assert_same_as_raw(org, warehouse, other_warehouse):
    with travel(moment(TODAY)):
        for scope in _scopes(org, warehouse, other_warehouse):
            kept = _json(OverviewSerializer(selectors.dashboard_overview(scope=scope)).data)
            assert kept == _json(OverviewSerializer(raw_dashboard.dashboard_overview(scope=scope)).data), scope
            kept_stock = selectors.warehouse_stock_figures(scope=scope)
            assert kept_stock == raw_dashboard.warehouse_stock_figures(scope=scope), scope


def _assert_exact_at_every_fold(org, warehouse, other_warehouse):
    """Exact before any fold, after one level is folded, after all are, and after the tally rows are compacted."""
    _assert_same_as_raw(org, warehouse, other_warehouse)
    totals.fold_batch(limit=1)
    _assert_same_as_raw(org, warehouse, other_warehouse)
    totals.fold()
    assert not StockLevel.objects.filter(totals_stale=True).exists()
    _assert_same_as_raw(org, warehouse, other_warehouse)
    totals.compact()
    _assert_same_as_raw(org, warehouse, other_warehouse)
    assert totals.differences() == []


def _csv(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode())


def _writes(shop, org, warehouse, other_warehouse, admin, staff, viewer, supplier, books):
    """Each write of the mix, one at a time (the test checks the figures after each)."""
    green, cake, loose = shop["green"], shop["cake"], shop["loose"]
    yield lambda: books.sell(warehouse, [(green, 3), (cake, 2)], by=staff, day=days_ago(5))
    yield lambda: books.request(warehouse, [(green, 4), (loose, 30)], by=viewer, day=days_ago(4))  # partly reserved
    yield lambda: variant_update(variant=green, data={"cost": Decimal("3.10"), "price": Decimal("5.50")})
    yield lambda: product_update(product=green.product, data={"category": shop["cakes"]})
    yield lambda: product_update(product=cake.product, data={"expiration_date": days_ago(-30), "category": None})
    level = StockLevel.objects.get(variant=green, warehouse=warehouse)
    yield lambda: stock_level_update(level=level, by=admin, reorder_level_override=40)
    yield lambda: variant_update(variant=loose, data={"reorder_level": 25})
    yield lambda: purchase_order_create(
        organization_id=org.pk,
        by=admin,
        supplier=supplier,
        warehouse=other_warehouse,
        items=[ItemInput(cake, 10, Decimal("9.00"))],
        status="received",
    )

    def transfer():
        moved = transfer_request(
            by=admin,
            source_warehouse=warehouse,
            destination_warehouse=other_warehouse,
            items=[TransferLine(green, 5), TransferLine(cake, 1)],
        )
        transfer_approve(transfer=moved, by=admin)

    yield transfer
    yield lambda: product_import_csv(
        organization=org,
        by=admin,
        file=_csv(f"name,sku,price,cost,category\nCake,{cake.sku},14.00,8.25,Tea\n"),
    )
    yield lambda: books.sell(other_warehouse, [(cake, 1)], by=admin, day=TODAY)


def test_the_kept_totals_answer_as_the_levels_after_every_write(
    org, warehouse, other_warehouse, admin, staff, viewer, supplier, books, shop
):
    _assert_exact_at_every_fold(org, warehouse, other_warehouse)
    for write in _writes(shop, org, warehouse, other_warehouse, admin, staff, viewer, supplier, books):
        write()
        _assert_exact_at_every_fold(org, warehouse, other_warehouse)


def test_writes_between_folds_are_read_live(org, warehouse, other_warehouse, admin, staff, books, shop):
    """Several writes on folded levels, then reads: the figures move at once, without a fold."""
    totals.fold()
    green = shop["green"]
    before = selectors.dashboard_overview(scope=selectors.DashboardScope(org.pk, None))
    books.sell(warehouse, [(green, 2)], by=staff, day=TODAY)
    variant_update(variant=green, data={"cost": Decimal("10.00")})
    after = selectors.dashboard_overview(scope=selectors.DashboardScope(org.pk, None))
    assert after["stock"]["total_stock"] == before["stock"]["total_stock"] - 2
    # 24 green units left (18 + 6), now at 10.00 instead of 2.50.
    expected = before["financial"]["total_inventory_value"] - 2 * Decimal("2.50") + 24 * (Decimal("10.00") - 2)
    assert after["financial"]["total_inventory_value"] - expected == -24 * Decimal("0.50")
    _assert_same_as_raw(org, warehouse, other_warehouse)


def test_the_admin_marks_a_product_moved_to_another_category(org, warehouse, other_warehouse, admin, shop):
    totals.fold()
    product = Product.objects.get(pk=shop["cake"].product_id)
    product.category = shop["tea"]

    class Form:
        fields = {"category": None}
        changed_data = ["category"]

    request = RequestFactory().post("/admin/")
    request.user = admin
    ProductAdmin(Product, AdminSite()).save_model(request, product, Form(), change=True)
    assert StockLevel.objects.filter(variant__product=product, totals_stale=True).exists()
    _assert_same_as_raw(org, warehouse, other_warehouse)


def test_the_overview_reads_a_constant_number_of_statements(
    org, warehouse, admin, books, shop, django_assert_max_num_queries
):
    """Folded or not, many levels or few: the counts, the totals (one statement) and the category names."""
    totals.fold()
    with django_assert_max_num_queries(3):
        selectors.dashboard_overview(scope=selectors.DashboardScope(org.pk, None))


def test_the_integrity_check_names_a_level_changed_behind_the_ledger(org, shop):
    totals.fold()
    call_command("check_stock_integrity", stdout=io.StringIO())
    StockLevel.objects.filter(variant=shop["green"]).update(reserved=1)  # not marked stale
    with pytest.raises(CommandError):
        call_command("check_stock_integrity", stdout=io.StringIO(), stderr=io.StringIO())
    assert [difference.figure for difference in totals.differences()] == ["level total", "level total"]


def test_the_integrity_check_names_a_tampered_tally_row(org, shop):
    totals.fold()
    assert totals.differences() == []
    row = StockTotal.objects.filter(category_id=shop["tea"].pk).first()
    StockTotal.objects.filter(pk=row.pk).update(quantity=row.quantity + 1)
    [difference] = totals.differences()
    assert difference.figure == "stock total"
    assert difference.key[2] == shop["tea"].pk
    StockTotal.objects.filter(pk=row.pk).delete()
    assert len(totals.differences()) == 1


def test_the_integrity_check_names_a_tampered_expiry_row(org, shop):
    totals.fold()
    row = StockExpiry.objects.get(category_id=shop["cakes"].pk)
    assert row.expiration_date == shop["cake"].product.expiration_date
    StockExpiry.objects.filter(pk=row.pk).update(cost_value=row.cost_value + 1)
    [difference] = totals.differences()
    assert difference.figure == "stock expiry"


def test_rebuilt_from_the_levels_the_totals_are_the_same(
    org, warehouse, other_warehouse, admin, staff, viewer, supplier, books, shop
):
    """`rebuild` (what generate_bench_data runs) gives what the writers and the folds kept."""
    for write in _writes(shop, org, warehouse, other_warehouse, admin, staff, viewer, supplier, books):
        write()
    totals.fold_batch(limit=2)
    assert totals.rebuild(org.pk) > 0
    assert not StockLevel.objects.filter(totals_stale=True).exists()
    assert totals.differences() == []
    _assert_same_as_raw(org, warehouse, other_warehouse)


def test_the_beat_task_folds_the_stale_levels(org, warehouse, shop):
    from stock.tasks import compact_kept_figures_task

    assert StockLevel.objects.filter(totals_stale=True).exists()
    assert compact_kept_figures_task()["folded"] > 0
    assert not StockLevel.objects.filter(totals_stale=True).exists()
    assert totals.differences() == []
