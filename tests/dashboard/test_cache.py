"""Dashboard responses are cached briefly, and a committed stock change retires them at once."""

import datetime as dt
import os

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.dashboard.conftest import TODAY
from tests.dashboard.helpers import moment, travel


@pytest.fixture
def tea(admin, warehouse, make_variant, books):
    variant = make_variant("Tea", "2.00", "5.00")
    books.add(variant, warehouse, 10, by=admin, day=TODAY)
    return variant


def adjust(client, variant, warehouse, quantity):
    response = client.post(
        "/api/stock-adjustments/",
        {"variant": variant.pk, "warehouse": warehouse.pk, "quantity": quantity, "reason": "adjustment"},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response


def test_the_dashboard_reflects_an_adjustment_right_after_it_commits(
    tea, admin_client, get, warehouse, django_capture_on_commit_callbacks
):
    before = get(admin_client, "/api/dashboard/").json()

    with django_capture_on_commit_callbacks(execute=True):
        adjust(admin_client, tea, warehouse, 5)
    after = get(admin_client, "/api/dashboard/").json()

    assert before["stock"]["total_stock"] == 10
    assert after["stock"]["total_stock"] == 15
    assert after["financial"]["total_inventory_value"] == "30.00"


def test_the_cached_figures_are_served_until_the_ledger_bumps_the_generation(
    tea, admin_client, get, warehouse, django_capture_on_commit_callbacks
):
    # Given a cached overview,
    get(admin_client, "/api/dashboard/")
    # when stock moves but its commit hooks have not run yet (so the generation is unchanged),
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        adjust(admin_client, tea, warehouse, -4)
    stale = get(admin_client, "/api/dashboard/").json()
    # and then they run,
    for callback in callbacks:
        callback()
    fresh = get(admin_client, "/api/dashboard/").json()

    # then the cache served the old figure until the bump, and the new one right after.
    assert stale["stock"]["total_stock"] == 10
    assert fresh["stock"]["total_stock"] == 6


@pytest.mark.parametrize(
    "url",
    [
        "/api/dashboard/low-stock/",
        "/api/dashboard/sales/",
        "/api/dashboard/top-products/",
        "/api/dashboard/trends/",
        "warehouse",
    ],
)
def test_every_route_is_recomputed_after_a_sale(
    url, tea, staff, admin_client, get, warehouse, books, django_capture_on_commit_callbacks
):
    url = f"/api/dashboard/warehouses/{warehouse.pk}/" if url == "warehouse" else url
    before = get(admin_client, url).json()

    with django_capture_on_commit_callbacks(execute=True):
        books.sell(warehouse, [(tea, 10)], by=staff, day=TODAY)
    after = get(admin_client, url).json()

    assert after != before


def test_responses_are_cached_per_parameters_and_scope(tea, admin_client, manager_client, get, other_warehouse):
    three = get(admin_client, "/api/dashboard/trends/", days=3).json()
    five = get(admin_client, "/api/dashboard/trends/", days=5).json()
    annex = get(admin_client, "/api/dashboard/", warehouse=other_warehouse.pk).json()
    everything = get(admin_client, "/api/dashboard/").json()

    assert (len(three), len(five)) == (3, 5)
    assert (annex["stock"]["total_stock"], everything["stock"]["total_stock"]) == (0, 10)


def test_a_cached_trend_still_ends_today_after_midnight(tea, admin_client, get):
    today = get(admin_client, "/api/dashboard/trends/", days=1).json()
    tomorrow = TODAY + dt.timedelta(days=1)
    next_day = get(admin_client, "/api/dashboard/trends/", at=moment(tomorrow, dt.time(0, 5)), days=1).json()

    assert today[0]["date"] == TODAY.isoformat()
    assert next_day[0]["date"] == tomorrow.isoformat()


@pytest.mark.django_db(transaction=True)
def test_a_real_commit_retires_the_cached_dashboard(client_for, org, warehouse, admin, make_variant, books):
    # No captured hooks here: the adjustment commits for real, and the ledger's on-commit hook bumps the generation.
    variant = make_variant("Tea", "2.00", "5.00")
    books.add(variant, warehouse, 10, by=admin, day=TODAY)
    client = client_for(admin)
    with travel(moment(TODAY)):
        before = client.get("/api/dashboard/").json()
        adjust(client, variant, warehouse, 7)
        after = client.get("/api/dashboard/").json()

    assert (before["stock"]["total_stock"], after["stock"]["total_stock"]) == (10, 17)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="set REDIS_URL to run against Redis")
def test_cached_responses_round_trip_through_redis(
    settings, tea, admin_client, get, django_capture_on_commit_callbacks
):
    redis_cache = {"BACKEND": "core.failover_cache.FailoverRedisCache", "LOCATION": os.environ["REDIS_URL"]}
    settings.CACHES = {"default": redis_cache, "throttle": {**redis_cache, "KEY_PREFIX": "throttle"}}
    cache.clear()
    first = get(admin_client, "/api/dashboard/sales/").json()
    with CaptureQueriesContext(connection) as context:
        second = get(admin_client, "/api/dashboard/sales/").json()
    with django_capture_on_commit_callbacks(execute=True):
        adjust(admin_client, tea, tea.stock_levels.get().warehouse, 1)
    overview = get(admin_client, "/api/dashboard/").json()

    assert second == first
    assert len(context.captured_queries) == 0
    assert overview["stock"]["total_stock"] == 11
    cache.clear()
