"""The stock generation (core.cache): every bump moves it, in one Redis round trip once it exists."""

import os
import uuid

import pytest
from django.core.cache import cache
from django.test import override_settings

from core.cache import bump_stock_generation, stock_generation

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="set REDIS_URL")


@pytest.fixture
def redis_cache():
    caches = {
        "default": {
            "BACKEND": "core.failover_cache.FailoverRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"test-generation-{uuid.uuid4().hex}",
        }
    }
    with override_settings(CACHES=caches):
        yield
        cache.clear()


@needs_redis
def test_a_bump_is_one_round_trip_and_readers_see_it(redis_cache, redis_trips):
    first = stock_generation(7)
    redis_trips.clear()

    bump_stock_generation(7)

    assert len(redis_trips) == 1
    assert stock_generation(7) == first + 1
    assert stock_generation(8) == 1  # per organization


@needs_redis
def test_a_bump_of_a_missing_generation_never_gives_the_readers_default(redis_cache):
    bump_stock_generation(7)  # never read: readers would have assumed 1

    assert stock_generation(7) == 2


def test_without_redis_a_bump_moves_the_generation_too():
    first = stock_generation(7)

    bump_stock_generation(7)

    assert stock_generation(7) > first
