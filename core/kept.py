"""Querysets kept between requests, for the hot lists only (decision 0009).

Building and resolving the annotated querysets behind the product list and the movement list is a measurable share
of those requests' CPU, for querysets that depend only on a few arguments (the organization, the warehouses, the
day). `kept_queryset` keeps the one a function builds for its arguments and hands every caller a clone: filter(),
values() and order_by() copy the query, so the kept queryset is never evaluated and no request sees another's rows
or a stale result (a view's class-level `queryset` is shared the same way). Use it only where a benchmark shows it
pays, and only for a function whose result depends on nothing but its (hashable) arguments.
"""

import functools
from collections.abc import Callable

from django.db.models import QuerySet

MAX_KEPT = 256


def kept_queryset(build: Callable[..., QuerySet]) -> Callable[..., QuerySet]:
    kept = functools.lru_cache(maxsize=MAX_KEPT)(build)

    @functools.wraps(build)
    def clone(*args) -> QuerySet:
        return kept(*args).all()

    clone.cache_clear = kept.cache_clear
    return clone
