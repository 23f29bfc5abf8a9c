"""The top products' kept product periods (decision 0025): exact for every range after sales, returns and folds.

A product with two variants sold from both warehouses, sales on both sides of midnight and of a week's end, a
pending order fulfilled days after it was asked for, partial and full returns in later weeks, ties: then every
range of three weeks, which starts and ends on every weekday, must give what the aggregate over the raw lines gives
(`bench.raw_dashboard`), before and after the rows are folded, and after a rebuild or the migration's backfill.
"""

import datetime as dt
import importlib
import json
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from rest_framework.utils.encoders import JSONEncoder

from bench import raw_dashboard
from core.dates import DayRange
from dashboard import selectors
from dashboard.serializers import TopProductSerializer
from sales import kept_products
from sales.models import ProductPeriod, SalesProductPeriod
from stock.exceptions import InsufficientStock
from stock.kept import compact_kept_figures, kept_figure_differences
from tests.catalog.factories import VariantFactory
from tests.dashboard.conftest import TODAY, days_ago
from tests.dashboard.helpers import moment, travel

LAST_SECOND = dt.time(23, 59, 59)
MIDNIGHT = dt.time(0, 0)
SPAN = 22  # the ranges asked for lie within the last SPAN days


@pytest.fixture
def sold(org, warehouse, other_warehouse, admin, manager, staff, viewer, make_variant, books):
    tea = make_variant("Tea", "4.00", "10.00")
    green = VariantFactory(product=tea.product, cost=Decimal("5.00"), price=Decimal("12.50"))
    cake = make_variant("Cake", "15.00", "25.00")
    jam = make_variant("Jam", "2.50", "6.00")
    salt = make_variant("Salt", "0.50", "1.00")
    pepper = make_variant("Pepper", "0.50", "1.00")
    for variant in (tea, green, cake, jam, salt, pepper):
        for place in (warehouse, other_warehouse):
            books.add(variant, place, 100, by=admin, day=days_ago(SPAN + 5))
    assert days_ago(6).weekday() == 6  # a Sunday: its last second and the next midnight lie in different weeks
    books.sell(warehouse, [(tea, 3), (green, 1)], by=staff, day=days_ago(6), at=LAST_SECOND)
    books.sell(other_warehouse, [(green, 2, Decimal("11.00"))], by=admin, day=days_ago(5), at=MIDNIGHT)
    partly = books.sell(warehouse, [(cake, 4), (tea, 2)], by=manager, day=days_ago(8))
    books.return_items(partly, [(0, 1)], by=manager, day=days_ago(1))  # a later week: counts on the sale's day
    fully = books.sell(other_warehouse, [(jam, 2), (tea, 1)], by=admin, day=days_ago(13))
    books.return_items(fully, [(0, 2), (1, 1)], by=admin, day=days_ago(3))  # nets out: the order is no sale
    pending = books.request(warehouse, [(jam, 5), (green, 1)], by=viewer, day=days_ago(11))
    books.fulfil(pending, by=manager, day=days_ago(9))  # counts on the day it was fulfilled
    books.sell(warehouse, [(salt, 2), (pepper, 2)], by=staff, day=days_ago(15))  # a tie, broken by product id
    books.sell(other_warehouse, [(cake, 1, Decimal("30.00")), (tea, 6)], by=admin, day=days_ago(20))
    books.sell(warehouse, [(tea, 2), (jam, 1)], by=staff, day=TODAY)
    return {"tea": tea, "green": green, "cake": cake, "jam": jam}


def _answer(module, org, days: DayRange, by: str, limit: int) -> str:
    scope = selectors.DashboardScope(org.pk, None)
    with travel(moment(TODAY)):
        rows = module.dashboard_top_products(scope=scope, days=days, limit=limit, by=by)
    return json.dumps(TopProductSerializer(rows, many=True).data, cls=JSONEncoder)


def _ranges():
    return [DayRange(days_ago(first), days_ago(last)) for first in range(SPAN, -1, -1) for last in range(first + 1)]


def _assert_every_range_as_raw(org):
    asked = 0
    for days in _ranges():
        for by in selectors.TopProductsBy.CHOICES:
            for limit in (1, 3, 10):
                kept, raw = _answer(selectors, org, days, by, limit), _answer(raw_dashboard, org, days, by, limit)
                assert kept == raw, (days, by, limit)
                asked += kept != "[]"
    assert asked > 500  # most ranges sold something


def test_every_range_answers_as_the_raw_lines_before_and_after_the_fold(org, sold):
    _assert_every_range_as_raw(org)
    assert SalesProductPeriod.objects.filter(folded=False).exists()
    assert compact_kept_figures() > 0
    assert not SalesProductPeriod.objects.filter(folded=False).exists()
    _assert_every_range_as_raw(org)


def test_the_figures_move_as_the_lines_say(org, sold):
    """Spot checks against the books: the tea product adds its two variants and its two warehouses."""
    tea = sold["tea"].product_id
    week = DayRange(days_ago(12), days_ago(6))  # Monday to Sunday
    with travel(moment(TODAY)):
        rows = selectors.dashboard_top_products(
            scope=selectors.DashboardScope(org.pk), days=DayRange(days_ago(6), days_ago(5)), limit=10, by="units"
        )
        assert rows == [{"product": tea, "product_name": "Tea", "units": 6, "revenue": Decimal("64.50")}]
        whole = selectors.dashboard_top_products(
            scope=selectors.DashboardScope(org.pk), days=week, limit=10, by="revenue"
        )
    # Tea and cake tie on revenue (Tea: more units); cake sold four, one came back a week later (on the sale's day).
    assert [(row["product_name"], row["units"], row["revenue"]) for row in whole] == [
        ("Tea", 7, Decimal("75.00")),
        ("Cake", 3, Decimal("75.00")),
        ("Jam", 5, Decimal("30.00")),
    ]


def test_a_sale_adds_a_day_row_and_a_week_row_per_product(org, sold, warehouse, staff, books):
    last = SalesProductPeriod.objects.order_by("pk").last().pk
    books.sell(warehouse, [(sold["tea"], 1), (sold["green"], 2), (sold["cake"], 1)], by=staff, day=TODAY)
    added = SalesProductPeriod.objects.filter(pk__gt=last).values_list("days", "start", "product_id", "units")
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    tea, cake = sold["tea"].product_id, sold["cake"].product_id
    assert sorted(added) == sorted(
        [
            (ProductPeriod.DAY, TODAY, tea, 3),
            (ProductPeriod.DAY, TODAY, cake, 1),
            (ProductPeriod.WEEK, monday, tea, 3),
            (ProductPeriod.WEEK, monday, cake, 1),
        ]
    )


def test_a_refused_sale_leaves_no_row(org, sold, warehouse, staff, books):
    before = list(SalesProductPeriod.objects.order_by("pk").values_list("pk", "units"))
    with pytest.raises(InsufficientStock):
        books.sell(warehouse, [(sold["cake"], 1), (sold["jam"], 10_000)], by=staff, day=TODAY)
    assert list(SalesProductPeriod.objects.order_by("pk").values_list("pk", "units")) == before


def test_the_fold_looks_only_at_new_rows_and_drops_what_nets_out(org, sold, other_warehouse, admin, books):
    assert kept_products.compact() > 0
    assert kept_products.compact() == 0
    jam = sold["jam"].product_id
    returned_day = {"days": ProductPeriod.DAY, "start": days_ago(13)}
    assert not SalesProductPeriod.objects.filter(product_id=jam, **returned_day).exists()  # sold, then all back
    keys = SalesProductPeriod.objects.values("product_id", "days", "start").distinct().count()
    assert SalesProductPeriod.objects.count() == keys  # one row per key

    order = books.sell(other_warehouse, [(sold["jam"], 3)], by=admin, day=TODAY)
    books.return_items(order, [(0, 3)], by=admin, day=TODAY)
    assert SalesProductPeriod.objects.filter(folded=False).count() == 4  # the sale's two rows, the return's two
    assert kept_products.compact() == 6  # the new rows and the folded rows of their keys
    assert SalesProductPeriod.objects.count() == keys
    assert kept_figure_differences() == []


@pytest.mark.parametrize("how", ["rebuild", "migration"])
def test_rebuilt_from_the_lines_the_rows_are_the_folded_rows(org, sold, how):
    compact_kept_figures()
    fields = ("organization_id", "product_id", "days", "start", "units", "revenue_cents", "folded")
    kept = sorted(SalesProductPeriod.objects.values_list(*fields))
    if how == "rebuild":
        assert kept_products.rebuild(org.pk) == len(kept)
    else:
        importlib.import_module("sales.migrations.0008_backfill_product_periods").backfill(django_apps, None)
    assert sorted(SalesProductPeriod.objects.values_list(*fields)) == kept
    assert kept_figure_differences() == []


def test_the_integrity_check_names_a_tampered_or_missing_row(org, sold):
    assert kept_figure_differences() == []
    compact_kept_figures()  # one row per key
    row = SalesProductPeriod.objects.filter(days=ProductPeriod.WEEK).order_by("pk").first()
    SalesProductPeriod.objects.filter(pk=row.pk).update(revenue_cents=row.revenue_cents + 1)
    [tampered] = kept_figure_differences(org.pk)
    assert (tampered.figure, tampered.key) == ("sales product period", (org.pk, row.product_id, 7, row.start))
    SalesProductPeriod.objects.filter(pk=row.pk).delete()
    [missing] = kept_figure_differences(org.pk)
    assert missing.kept is None and missing.key == tampered.key


@pytest.mark.parametrize("first", [dt.date(2025, 3, 1) + dt.timedelta(days=offset) for offset in range(7)])
def test_the_periods_of_a_range_cover_its_days_once_with_every_whole_week(first):
    for length in range(1, 60):
        days = DayRange(first, first + dt.timedelta(days=length - 1))
        covered = []
        for period, start, last in kept_products.covering_periods(days):
            assert (last - start).days % period == 0
            for monday in range(start.toordinal(), last.toordinal() + 1, period):
                if period == ProductPeriod.WEEK:
                    assert dt.date.fromordinal(monday).weekday() == 0
                covered += [dt.date.fromordinal(monday + offset) for offset in range(period)]
        assert sorted(covered) == days.days()
        weeks = [p for p in kept_products.covering_periods(days) if p[0] == ProductPeriod.WEEK]
        whole = [day for day in days.days() if day.weekday() == 0 and day + dt.timedelta(days=6) <= days.end]
        assert (weeks[0][1], weeks[0][2]) == (whole[0], whole[-1]) if whole else weeks == []


def test_the_last_days_of_the_calendar_are_covered():
    days = DayRange(dt.date.max - dt.timedelta(days=10), dt.date.max)
    assert (
        sum(len(range(0, (last - first).days + 1, p)) * p for p, first, last in kept_products.covering_periods(days))
        == 11
    )
