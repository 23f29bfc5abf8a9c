"""Per-organization cache generations.

Readers that cache figures derived from stock (dashboards) put `stock_generation(org_id)` in their cache keys;
the ledger bumps it after every committed stock change, which retires every such key at once.

The bump runs after the commit: it must never raise into the request whose change is already saved. When the
cache cannot be reached the failure is logged and the figures cached before it live at most their own timeout
(dashboard.caching.TIMEOUT).
"""

import logging

from django.core.cache import cache

from core.redis_client import RedisError, cache_key, redis_client

logger = logging.getLogger(__name__)


def _key(organization_id: int) -> str:
    return f"stock-generation:{organization_id}"


def stock_generation(organization_id: int) -> int:
    return cache.get_or_set(_key(organization_id), 1, timeout=None)


def bump_stock_generation(organization_id: int) -> None:
    client = redis_client()
    if client is not None:
        key = cache_key(_key(organization_id))
        try:
            # One round trip (Django's `incr` asks `EXISTS` first). A missing key comes back as 1, the readers'
            # default, which some cached figures may carry: it is set to 2, as below.
            if client.incr(key) == 1:
                client.set(key, 2)
            return
        except RedisError:  # the cache API below notices the outage and falls back (core.failover_cache)
            pass
    try:
        try:
            cache.incr(_key(organization_id))
        except ValueError:  # not set yet (or evicted): any new value retires old keys
            cache.set(_key(organization_id), 2, timeout=None)
    except Exception:  # the change is committed whatever the cache says
        logger.exception("Could not bump the stock generation of organization %s", organization_id)
