"""Per-organization cache generations.

Readers that cache figures derived from stock (dashboards) put `stock_generation(org_id)` in their cache keys;
the ledger bumps it after every committed stock change, which retires every such key at once.
"""

from django.core.cache import cache


def _key(organization_id: int) -> str:
    return f"stock-generation:{organization_id}"


def stock_generation(organization_id: int) -> int:
    return cache.get_or_set(_key(organization_id), 1, timeout=None)


def bump_stock_generation(organization_id: int) -> None:
    try:
        cache.incr(_key(organization_id))
    except ValueError:  # not set yet (or evicted): any new value retires old keys
        cache.set(_key(organization_id), 2, timeout=None)
