"""Authentication keeps users between requests (core.authstate) on a Redis cache, and a change still applies at once.

These run with a Redis cache of their own key prefix (skipped without REDIS_URL); the other tests' local-memory
cache keeps nothing, so they read the user's row on every request as before.
"""

import os
import uuid

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from core import authstate
from core.throttling import UserRateThrottle
from tests.warehouses.factories import WarehouseFactory

REDIS_URL = os.environ.get("REDIS_URL", "")
CATEGORIES = "/api/categories/"
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="the kept users need a Redis cache (set REDIS_URL)")


@pytest.fixture
def redis_cache():
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"test-auth-{uuid.uuid4().hex}",
        }
    }
    authstate._kept.clear()
    with override_settings(CACHES=caches):
        yield
    authstate._kept.clear()


def bearer_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def user_row_reads(queries) -> int:
    return sum('FROM "users_user"' in query["sql"] for query in queries.captured_queries)


def test_a_known_user_is_authenticated_without_reading_their_row(redis_cache, staff):
    client = bearer_for(staff)
    with CaptureQueriesContext(connection) as first:
        assert client.get(CATEGORIES).status_code == 200

    with CaptureQueriesContext(connection) as second:
        response = client.get(CATEGORIES)

    assert response.status_code == 200
    assert user_row_reads(first) == 1
    assert user_row_reads(second) == 0
    assert len(second.captured_queries) == len(first.captured_queries) - 1


def test_a_dismissed_users_kept_token_answers_401_on_the_next_request(
    redis_cache, django_capture_on_commit_callbacks, staff, admin
):
    client = bearer_for(staff)
    assert client.get(CATEGORIES).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        dismissed = bearer_for(admin).post(reverse("users:user-dismiss", args=[staff.pk]))
    assert dismissed.status_code == 200, dismissed.content

    response = client.get(CATEGORIES)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_change_made_in_another_process_is_seen_through_the_version_alone(redis_cache, staff):
    client = bearer_for(staff)
    assert client.get(CATEGORIES).status_code == 200
    # Another process dismissed the user: this one only sees the new version in Redis.
    type(staff).objects.filter(pk=staff.pk).update(is_active=False)
    assert client.get(CATEGORIES).status_code == 200  # nothing told this process yet

    kept = authstate._kept.copy()
    authstate.bump(staff.pk)
    authstate._kept.update(kept)  # as if the bump came from elsewhere: this process still holds the user

    assert client.get(CATEGORIES).status_code == 401


def test_a_version_lost_with_redis_data_does_not_trust_a_user_kept_before_it(redis_cache, staff):
    client = bearer_for(staff)
    assert client.get(CATEGORIES).status_code == 200  # kept, under the version its first request wrote
    type(staff).objects.filter(pk=staff.pk).update(is_active=False)
    kept = authstate._kept.copy()
    authstate.bump(staff.pk)  # the dismissal's version, from another process...
    authstate._kept.update(kept)
    redis = authstate.redis_client()
    redis.delete(authstate._version_key(staff.pk))  # ...then lost (a flush, a restart without persistence)

    assert client.get(CATEGORIES).status_code == 401


def test_a_demoted_manager_loses_the_managers_rights_on_the_next_request(
    redis_cache, django_capture_on_commit_callbacks, manager, admin
):
    client = bearer_for(manager)
    assert client.post(CATEGORIES, {"name": "Tools"}, format="json").status_code == 201

    with django_capture_on_commit_callbacks(execute=True):
        demoted = bearer_for(admin).post(reverse("users:user-demote", args=[manager.pk]))
    assert demoted.status_code == 200, demoted.content

    assert client.post(CATEGORIES, {"name": "Garden"}, format="json").status_code == 403


def test_a_warehouse_taken_from_a_user_is_no_longer_theirs_on_the_next_request(
    redis_cache, django_capture_on_commit_callbacks, staff, warehouse, org
):
    client = bearer_for(staff)
    assert client.get(CATEGORIES).status_code == 200
    annex = WarehouseFactory(organization=org, name="Annex", code="ANX")

    with django_capture_on_commit_callbacks(execute=True):
        staff.warehouses.set([annex])

    with CaptureQueriesContext(connection) as queries:
        assert client.get(CATEGORIES).status_code == 200
    assert user_row_reads(queries) == 1


def test_a_request_costs_one_redis_round_trip_with_its_user_throttle(redis_cache, redis_trips, staff):
    client = bearer_for(staff)
    client.get(CATEGORIES)
    redis_trips.clear()

    assert client.get(CATEGORIES).status_code == 200

    assert len(redis_trips) == 1


def test_the_user_throttle_refuses_beyond_its_rate_and_says_when_to_retry(redis_cache, monkeypatch, staff):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {**UserRateThrottle.THROTTLE_RATES, "user": "3/min"})
    client = bearer_for(staff)

    statuses = [client.get(CATEGORIES).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = client.get(CATEGORIES)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60


def test_with_redis_unreachable_every_request_reads_the_user_and_passes_the_throttle(staff, settings):
    unreachable = {"BACKEND": "core.failover_cache.FailoverRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    settings.CACHES = {
        "default": unreachable,
        "throttle": {**unreachable, "KEY_PREFIX": "throttle", "OPTIONS": {"FALLBACK": "local"}},
    }
    client = bearer_for(staff)

    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(CATEGORIES).status_code == 200
        assert user_row_reads(queries) == 1
