"""Periods and the database aggregates behind the report."""

import datetime as dt

import pytest

from reports.selectors import (
    report_period,
    report_scope_for,
    stock_movement_report_by_day,
    stock_movement_report_by_variant,
    stock_movement_report_rows,
    stock_movement_report_totals,
    utc_text_to_iso,
)
from tests.reports.conftest import at, make_variant, move

D = dt.date.fromisoformat


@pytest.mark.parametrize(
    ("kind", "on", "start", "end"),
    [
        ("daily", "2025-03-05", "2025-03-05", "2025-03-05"),
        ("weekly", "2025-03-05", "2025-03-03", "2025-03-09"),  # Wednesday → Monday to Sunday
        ("weekly", "2025-03-03", "2025-03-03", "2025-03-09"),  # a Monday starts its own week
        ("weekly", "2025-03-09", "2025-03-03", "2025-03-09"),  # a Sunday ends it
        ("weekly", "2026-01-01", "2025-12-29", "2026-01-04"),  # ISO week across the new year
        ("monthly", "2024-02-10", "2024-02-01", "2024-02-29"),  # leap year
        ("monthly", "2025-02-28", "2025-02-01", "2025-02-28"),
        ("monthly", "2025-12-31", "2025-12-01", "2025-12-31"),
    ],
)
def test_period_is_the_day_iso_week_or_month_containing_the_date(kind, on, start, end):
    period = report_period(kind=kind, on=D(on))

    assert (period.start, period.end) == (D(start), D(end))
    assert period.start_at == dt.datetime.combine(D(start), dt.time.min, tzinfo=dt.UTC)
    assert period.end_before == dt.datetime.combine(D(end) + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)


def test_unknown_period_kind_is_refused():
    with pytest.raises(ValueError):
        report_period(kind="yearly", on=D("2025-03-05"))


@pytest.fixture
def scope_for(admin):
    def make(user=None, kind="weekly", on="2025-03-05", **filters):
        return report_scope_for(user=user or admin, period=report_period(kind=kind, on=D(on)), **filters)

    return make


@pytest.mark.django_db
def test_totals_by_day_and_by_variant_come_from_the_ledger(scope_for, org, warehouse, other_warehouse, mug, tee):
    move(mug, warehouse, 10, at("2025-03-03 08:00"))
    move(mug, warehouse, -4, at("2025-03-03 17:00"), reason="sale")
    move(tee, other_warehouse, 6, at("2025-03-07 23:59:59"))
    move(tee, other_warehouse, -1, at("2025-03-10 00:00"), reason="sale")  # next week

    scope = scope_for()

    assert stock_movement_report_totals(scope=scope) == {"movements": 3, "units_in": 16, "units_out": 4, "net": 12}
    by_day = stock_movement_report_by_day(scope=scope)
    assert [(row["date"], row["units_in"], row["units_out"]) for row in by_day] == [
        (D("2025-03-03"), 10, 4),
        (D("2025-03-04"), 0, 0),
        (D("2025-03-05"), 0, 0),
        (D("2025-03-06"), 0, 0),
        (D("2025-03-07"), 6, 0),
        (D("2025-03-08"), 0, 0),
        (D("2025-03-09"), 0, 0),
    ]
    assert [
        (row["product_name"], row["sku"], row["units_in"], row["units_out"], row["net"])
        for row in stock_movement_report_by_variant(scope=scope)
    ] == [("Coffee mug", "MUG-01", 10, 4, 6), ("T-shirt", "TEE-01", 6, 0, 6)]


@pytest.mark.django_db
def test_variants_of_one_product_are_summarised_separately(scope_for, org, warehouse):
    small = make_variant(org, "CUP-S", "Cup")
    large = make_variant(org, "CUP-L", product=small.product)
    move(small, warehouse, 2, at("2025-03-04 10:00"))
    move(large, warehouse, 3, at("2025-03-04 11:00"))

    rows = stock_movement_report_by_variant(scope=scope_for())

    assert [(row["product_name"], row["sku"], row["net"]) for row in rows] == [
        ("Cup", "CUP-L", 3),
        ("Cup", "CUP-S", 2),
    ]


@pytest.mark.django_db
def test_empty_scope_has_zero_totals_and_a_zero_for_every_day(scope_for, org):
    scope = scope_for(kind="monthly", on="2025-02-14")

    assert stock_movement_report_totals(scope=scope) == {"movements": 0, "units_in": 0, "units_out": 0, "net": 0}
    by_day = stock_movement_report_by_day(scope=scope)
    assert len(by_day) == 28
    assert {(row["units_in"], row["units_out"]) for row in by_day} == {(0, 0)}


@pytest.mark.django_db
def test_manager_scope_is_limited_to_own_warehouses(scope_for, manager, warehouse, other_warehouse, mug):
    own = move(mug, warehouse, 1, at("2025-03-04 10:00"))
    move(mug, other_warehouse, 1, at("2025-03-04 10:00"))

    scope = scope_for(user=manager)

    assert scope.warehouse_ids == [warehouse.pk]
    assert [row[0] for row in stock_movement_report_rows(scope=scope)] == [own.pk]


@pytest.mark.django_db
def test_rows_are_plain_tuples_oldest_first(scope_for, warehouse, mug):
    later = move(mug, warehouse, 1, at("2025-03-06 10:00"))
    earlier = move(mug, warehouse, 1, at("2025-03-04 10:00"))

    rows = list(stock_movement_report_rows(scope=scope_for()))

    assert all(type(row) is tuple for row in rows)
    assert [row[0] for row in rows] == [earlier.pk, later.pk]


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2025-03-14 12:30:00+00", "2025-03-14T12:30:00+00:00"),  # PostgreSQL, whole second
        ("2025-03-14 12:30:00.5+00", "2025-03-14T12:30:00.500000+00:00"),  # PostgreSQL trims trailing zeros
        ("2025-03-14 12:30:00.000123+00", "2025-03-14T12:30:00.000123+00:00"),
        ("2025-03-14 12:30:00", "2025-03-14T12:30:00+00:00"),  # SQLite
        ("2025-03-14 12:30:00.500000", "2025-03-14T12:30:00.500000+00:00"),
    ],
)
def test_database_utc_text_becomes_the_api_iso_format(text, iso):
    assert utc_text_to_iso(text) == iso
    assert utc_text_to_iso(text) == dt.datetime.fromisoformat(iso).isoformat()


@pytest.mark.django_db
def test_row_timestamps_read_back_as_the_stored_instant(scope_for, warehouse, mug):
    stamp = at("2025-03-05 10:00:00.000250")
    move(mug, warehouse, 1, stamp)

    (row,) = stock_movement_report_rows(scope=scope_for())

    assert utc_text_to_iso(row[1]) == stamp.isoformat()
    assert row[1][:16] == "2025-03-05 10:00"
