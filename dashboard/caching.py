"""A short-lived cache for dashboard responses.

A response is cached per organization, stock generation, UTC day, route, scope (the warehouses the caller sees:
"all" for an admin, the sorted ids for a manager) and validated parameters. The ledger bumps the organization's
stock generation after every committed stock change (`core.cache`), which retires every cached response at once,
so a figure derived from stock is never stale.

Why the stock generation is enough for the sales figures too: they count only orders whose stock has left
(fulfilled, partially returned, returned), and every change to such an order — fulfilling it, returning part or all
of it — moves stock in the same transaction. The status changes that move no stock (rejecting or cancelling a
pending order, editing its details) touch only pending orders, which no figure counts. Staff activity likewise
counts movements and fulfilled orders only.

What can lag by up to `TIMEOUT` seconds: catalog counts (a new product, category or supplier), a variant's cost or
price set by hand, a reorder level changed, a user renamed or assigned. None of these moves stock; a dashboard a
minute behind on them is acceptable, and the timeout bounds it.

The generation is read before the figures are computed: if stock moves meanwhile, the result lands under a key that
is already retired, and the next request computes afresh.
"""

import hashlib
from collections.abc import Callable

from django.core.cache import cache

from core.cache import stock_generation
from core.dates import today_utc
from dashboard.selectors import DashboardScope

TIMEOUT = 60
KEY_VERSION = 1


def dashboard_cache_key(*, scope: DashboardScope, route: str, params: dict) -> str:
    generation = stock_generation(scope.organization_id)
    canonical = "&".join(f"{name}={params[name]}" for name in sorted(params))
    digest = hashlib.sha256(f"{scope.cache_part}|{canonical}".encode()).hexdigest()[:32]
    return f"dashboard:v{KEY_VERSION}:{scope.organization_id}:{generation}:{today_utc():%Y%m%d}:{route}:{digest}"


def cached_response_data(*, scope: DashboardScope, route: str, params: dict, compute: Callable[[], object]):
    """The cached response body for these parameters, or `compute()`'s, stored for `TIMEOUT` seconds."""
    key = dashboard_cache_key(scope=scope, route=route, params=params)
    data = cache.get(key)
    if data is None:
        data = compute()
        cache.set(key, data, TIMEOUT)
    return data
