"""The default cache's Redis server, for the callers that need more than Django's cache API.

Django's `RedisCache` builds a new client object for every operation and its `incr` asks `EXISTS` first: two
round trips and the set-up of a client each time. The per-request paths (authentication's version check, the user
throttle, the stock generation) instead use one kept client per cache backend and send what they need in one
pipeline. Keys go through the cache's own `make_key`, so `KEY_PREFIX` and `VERSION` apply to them as well.
"""

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

__all__ = ["RedisError", "cache_key", "redis_client"]


def redis_client():
    """A kept client of the default cache's Redis server, or None when the default cache is not Redis."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache) or getattr(backend, "is_down", bool)():
        return None  # not Redis, or Redis failed a moment ago (core.failover_cache): callers fall back
    client = backend.__dict__.get("_kept_client")
    if client is None:
        client = backend.__dict__["_kept_client"] = backend._cache.get_client(write=True)
    return client


def cache_key(name: str) -> str:
    return caches["default"].make_key(name)
