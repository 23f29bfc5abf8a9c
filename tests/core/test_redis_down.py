"""Redis unreachable is not an outage: the cache is bypassed, throttles count per process, health shows it.

Both cache aliases point at a port where nothing listens (connection refused), as when Redis is stopped.
"""

import socket

import pytest
from django.core.cache import caches
from django.urls import reverse

from catalog.models import Product, Variant
from stock.models import StockLevel
from tests.users.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _dead_redis_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # closed again: connecting is refused


@pytest.fixture
def redis_down(settings):
    url = _dead_redis_url()
    failover = {"BACKEND": "core.failover_cache.FailoverRedisCache", "LOCATION": url}
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": failover,
        "throttle": {**failover, "KEY_PREFIX": "throttle", "OPTIONS": {"FALLBACK": "local"}},
    }
    yield url
    caches["throttle"].clear()  # the per-process fallback counters


def test_health_stays_200_and_shows_the_broker_and_the_cache_unavailable(api_client, redis_down):
    response = api_client.get("/api/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "unavailable", "cache": "unavailable"}


def test_health_shows_the_broker_and_the_cache_ok_when_redis_answers(api_client, settings):
    response = api_client.get("/api/health/")

    assert response.status_code == 200
    assert response.json()["cache"] == "ok"


def test_login_reads_and_writes_keep_working(api_client, admin_client, admin, org, warehouse, redis_down):
    product = Product.objects.create(organization=org, name="Tea")
    variant = Variant.objects.create(organization=org, product=product, sku="TEA-1")

    login = api_client.post(reverse("users:auth-login"), {"username": admin.username, "password": PASSWORD})
    products = admin_client.get("/api/products/")
    adjustment = admin_client.post(
        "/api/stock-adjustments/",
        {"variant": variant.id, "warehouse": warehouse.id, "quantity": 3, "reason": "opening"},
        HTTP_IDEMPOTENCY_KEY="redis-down-1",
    )
    dashboard = admin_client.get("/api/dashboard/")

    assert (login.status_code, products.status_code, adjustment.status_code, dashboard.status_code) == (
        200,
        200,
        201,
        200,
    )
    assert StockLevel.objects.get(variant=variant, warehouse=warehouse).quantity == 3
    assert dashboard.json()["stock"]["total_stock"] == 3


def test_the_login_throttle_counts_per_process_while_redis_is_down(api_client, staff, redis_down):
    login = reverse("users:auth-login")
    for _ in range(10):
        assert api_client.post(login, {"username": staff.username, "password": "wrong"}).status_code == 401

    response = api_client.post(login, {"username": staff.username, "password": PASSWORD})

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
