"""The kept figures (decision 0023) answer what the aggregates over the raw rows answer, after every kind of write.

`bench.raw_dashboard` holds the dashboard's former selectors, which aggregate the orders, their lines and the
movements. A mix of direct sales, a pending order fulfilled a day later, partial and full returns on later days, a
receipt, adjustments, a counted adjustment and an approved transfer, across days and both warehouses, with a cost
change between sales; then every range and scope is asked of both, before and after the tallies are folded, and
the serialised answers must be identical. `check_stock_integrity` must find nothing, and must name a tampered row.
"""

import datetime as dt
import importlib
import io
import json
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.utils.encoders import JSONEncoder

from bench import raw_dashboard
from core.dates import DayRange
from dashboard import selectors
from dashboard.serializers import SalesSummarySerializer, StockDaySerializer, TopProductSerializer
from purchases.services import ItemInput, purchase_order_create
from sales import kept as sales_kept
from sales import kept_products
from sales.models import SalesDay, SalesProductPeriod, SalesVariantDay
from stock import kept as stock_kept
from stock.kept import compact_kept_figures, kept_figure_differences
from stock.models import MovementDay
from stock.services import stock_adjustment_create, transfer_approve
from stock.services.transfers import TransferLine, transfer_request
from tests.dashboard.conftest import TODAY, days_ago
from tests.dashboard.helpers import moment, set_cost, travel


@pytest.fixture
def history(org, warehouse, other_warehouse, admin, manager, staff, viewer, make_variant, supplier, books):
    tea = make_variant("Tea", "4.00", "10.00")
    cake = make_variant("Cake", "15.00", "25.00")
    jam = make_variant("Jam", "2.50", "6.00")
    for variant in (tea, cake):
        books.add(variant, warehouse, 100, by=admin, day=days_ago(20))
        books.add(variant, other_warehouse, 40, by=admin, day=days_ago(20))
    books.purchase(jam, warehouse, 30, Decimal("2.75"), by=admin, supplier=supplier, day=days_ago(12))
    books.sell(warehouse, [(tea, 5), (cake, 2, Decimal("24.00")), (jam, 3)], by=staff, day=days_ago(10))
    books.sell(warehouse, [(tea, 1)], by=staff, day=days_ago(10), at=dt.time(23, 59, 59))
    partly = books.sell(warehouse, [(tea, 4), (jam, 2)], by=manager, day=days_ago(9))
    books.return_items(partly, [(0, 1)], by=manager, day=days_ago(7))
    books.return_items(partly, [(1, 2)], by=manager, day=days_ago(2))  # the jam line fully back, the order not
    set_cost(tea, "6.00")
    fully = books.sell(other_warehouse, [(tea, 2), (cake, 1)], by=admin, day=days_ago(5))
    books.return_items(fully, [(0, 2), (1, 1)], by=admin, day=days_ago(1))  # the whole order back
    pending = books.request(warehouse, [(cake, 3)], by=viewer, day=days_ago(4))
    books.fulfil(pending, by=manager, day=days_ago(3))
    books.adjust(tea, warehouse, -3, by=staff, day=days_ago(6))
    books.adjust(cake, other_warehouse, 5, by=admin, day=days_ago(6))
    with travel(moment(days_ago(6))):
        stock_adjustment_create(by=admin, variant=jam, warehouse=warehouse, counted_quantity=20)
    with travel(moment(days_ago(4))):
        transfer = transfer_request(
            by=admin,
            source_warehouse=warehouse,
            destination_warehouse=other_warehouse,
            items=[TransferLine(tea, 6), TransferLine(cake, 2)],
        )
        transfer_approve(transfer=transfer, by=admin)
        purchase_order_create(
            organization_id=org.pk,
            by=admin,
            supplier=supplier,
            warehouse=other_warehouse,
            items=[ItemInput(jam, 10, Decimal("3.00"))],
            status="received",
        )
    books.sell(warehouse, [(tea, 2)], by=staff, day=TODAY)
    return {"warehouse": warehouse, "other": other_warehouse}


def _json(data) -> str:
    return json.dumps(data, cls=JSONEncoder, sort_keys=True)


def _scopes(org, history):
    return [
        selectors.DashboardScope(org.pk, None),
        selectors.DashboardScope(org.pk, frozenset({history["warehouse"].pk})),
        selectors.DashboardScope(org.pk, frozenset({history["other"].pk})),
        selectors.DashboardScope(org.pk, frozenset()),
    ]


RANGES = [
    DayRange(days_ago(29), TODAY),
    DayRange(days_ago(10), days_ago(9)),
    DayRange(days_ago(5), days_ago(5)),
    DayRange(days_ago(90), days_ago(21)),
]


def _answers(module, scope, days) -> list[str]:
    answers = [
        _json(SalesSummarySerializer(module.dashboard_sales(scope=scope, days=days)).data),
        _json(StockDaySerializer(module.dashboard_trends(scope=scope, days=days), many=True).data),
    ]
    for by in selectors.TopProductsBy.CHOICES:
        rows = module.dashboard_top_products(scope=scope, days=days, limit=10, by=by)
        answers.append(_json(TopProductSerializer(rows, many=True).data))
    return answers


def _assert_same_as_raw(org, history):
    for scope in _scopes(org, history):
        for days in RANGES:
            with travel(moment(TODAY)):
                assert _answers(selectors, scope, days) == _answers(raw_dashboard, scope, days), (scope, days)
    for warehouse in (history["warehouse"], history["other"]):
        for days in RANGES:
            kept = list(selectors.warehouse_staff_activity(warehouse=warehouse, days=days))
            assert kept == list(raw_dashboard.warehouse_staff_activity(warehouse=warehouse, days=days))


def test_the_kept_figures_answer_as_the_raw_aggregates(org, history):
    _assert_same_as_raw(org, history)
    movement_keys = MovementDay.objects.values("warehouse", "day", "reason", "performed_by").distinct()
    assert MovementDay.objects.count() > movement_keys.count()
    assert compact_kept_figures() > 0
    assert MovementDay.objects.count() == movement_keys.count()
    assert SalesDay.objects.count() == SalesDay.objects.values("warehouse", "day", "decided_by").distinct().count()
    _assert_same_as_raw(org, history)
    assert compact_kept_figures() == 0  # nothing left to fold


def test_the_figures_are_not_trivial(org, history):
    """The mix really moves every figure the comparison covers."""
    with travel(moment(TODAY)):
        sales = selectors.dashboard_sales(scope=selectors.DashboardScope(org.pk), days=RANGES[0])
    assert sales["orders_count"] == 5  # the fully returned order is no sale any more
    assert sales["cost_of_goods_sold"] > 0
    assert {reason for reason in MovementDay.objects.values_list("reason", flat=True)} >= {
        "opening",
        "purchase",
        "sale",
        "return",
        "adjustment",
        "transfer",
    }


def test_the_integrity_check_finds_nothing_then_names_a_tampered_row(org, history):
    assert kept_figure_differences() == []
    call_command("check_stock_integrity", stdout=open("/dev/null", "w"))  # noqa: SIM115 - exits 0

    MovementDay.objects.filter(pk=MovementDay.objects.order_by("pk").first().pk).update(units_in=999_999)
    SalesDay.objects.filter(pk=SalesDay.objects.order_by("pk").first().pk).update(amount=Decimal("0.01"))
    row = SalesVariantDay.objects.order_by("pk").first()
    SalesVariantDay.objects.filter(pk=row.pk).update(units=row.units + 1)
    found = {difference.figure for difference in kept_figure_differences(org.pk)}
    assert found == {"movement day", "sales day", "sales variant day"}
    with pytest.raises(CommandError):
        call_command("check_stock_integrity", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_a_missing_kept_row_is_a_difference(org, history):
    SalesDay.objects.filter(day=days_ago(10)).delete()
    [difference] = kept_figure_differences(org.pk)
    assert difference.kept is None and difference.key[2] == days_ago(10)


FIGURES = {  # the model, its keys, its sums, a sum to change, its day
    "movement day": (MovementDay, stock_kept.DAY_KEYS, stock_kept.DAY_SUMS, "units_out", "day"),
    "sales day": (SalesDay, sales_kept.DAY_KEYS, sales_kept.DAY_SUMS, "amount", "day"),
    "sales variant day": (SalesVariantDay, sales_kept.VARIANT_KEYS, sales_kept.VARIANT_SUMS, "revenue", "day"),
    "sales product period": (SalesProductPeriod, kept_products.KEYS, kept_products.SUMS, "revenue_cents", "start"),
}


@pytest.mark.parametrize("figure", FIGURES)
@pytest.mark.parametrize("kind", ["missing", "extra", "changed"])
def test_every_kind_of_tampering_with_every_figure_is_named(org, history, figure, kind):
    """A key without its row, a row without source rows, a changed sum: each is one difference, of that key, with
    both sides' sums.
    """
    model, keys, sums, field, day = FIGURES[figure]
    compact_kept_figures()  # one row per key: deleting one removes its key
    row = model.objects.order_by("pk").first()
    before = tuple(getattr(row, name) for name in sums)
    if kind == "missing":
        model.objects.filter(pk=row.pk).delete()
    elif kind == "extra":
        row.pk = None
        setattr(row, day, days_ago(400))  # no movement nor order that day
        row.save()
    else:
        model.objects.filter(pk=row.pk).update(**{field: getattr(row, field) + 1})
    [difference] = kept_figure_differences(org.pk)
    assert (difference.figure, difference.key) == (figure, tuple(getattr(row, name) for name in keys))
    changed = tuple(value + 1 if name == field else value for name, value in zip(sums, before, strict=True))
    assert (difference.kept, difference.expected) == {
        "missing": (None, before),
        "extra": (before, None),
        "changed": (changed, before),
    }[kind]
    with pytest.raises(CommandError, match="1 difference"):
        call_command("check_stock_integrity", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.parametrize("how", ["rebuild", "migrations"])
def test_rebuilt_from_the_source_rows_the_figures_are_the_same(org, history, how):
    """The backfill (the migrations') and the rebuild (generate_bench_data's) give what the writers kept."""
    before = [_answers(selectors, scope, days) for scope in _scopes(org, history) for days in RANGES]
    if how == "rebuild":
        assert stock_kept.rebuild_movement_days(org.pk) > 0
        assert sales_kept.rebuild(org.pk) > 0
    else:
        for name in ("stock.migrations.0014_backfill_movement_days", "sales.migrations.0006_backfill_kept_figures"):
            importlib.import_module(name).backfill(django_apps, None)
    assert kept_figure_differences() == []
    assert [_answers(selectors, scope, days) for scope in _scopes(org, history) for days in RANGES] == before


def test_the_beat_task_folds_every_floors_tallies(org, history):
    from stock.tasks import compact_kept_figures_task

    assert compact_kept_figures_task()["folded"] > 0
    assert compact_kept_figures_task() == {"folded": 0}
    assert kept_figure_differences() == []
