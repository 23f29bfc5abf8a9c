"""Per-organization cache generations.

Readers that cache figures derived from stock (dashboards) put `stock_generation(org_id)` in their cache keys;
the ledger bumps it after every committed stock change, which retires every such key at once.

The bump runs after the commit: it must never raise into the request whose change is already saved. When the
cache cannot be reached the failure is logged and the figures cached before it live at most their own timeout
(dashboard.caching.TIMEOUT).
"""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def _key(organization_id: int) -> str:
    return f"stock-generation:{organization_id}"


def stock_generation(organization_id: int) -> int:
    return cache.get_or_set(_key(organization_id), 1, timeout=None)


def bump_stock_generation(organization_id: int) -> None:
    try:
        try:
            cache.incr(_key(organization_id))
        except ValueError:  # not set yet (or evicted): any new value retires old keys
            cache.set(_key(organization_id), 2, timeout=None)
    except Exception:  # the change is committed whatever the cache says
        logger.exception("Could not bump the stock generation of organization %s", organization_id)
