"""DRF's rate throttles on the `throttle` cache alias, whose counters survive a Redis outage per process.

`core.failover_cache` explains the fallback. Every throttle of the API subclasses one of these (or sets
`cache = throttle_cache`), never DRF's own, whose counters live in the default alias (bypassed while Redis is down,
which would switch throttling off).
"""

from django.core.cache import caches
from django.utils.connection import ConnectionProxy
from rest_framework import throttling

throttle_cache = ConnectionProxy(caches, "throttle")


class AnonRateThrottle(throttling.AnonRateThrottle):
    cache = throttle_cache


class UserRateThrottle(throttling.UserRateThrottle):
    cache = throttle_cache


class SimpleRateThrottle(throttling.SimpleRateThrottle):
    cache = throttle_cache
