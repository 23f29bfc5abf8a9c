"""Settings of the API under benchmark: production settings with the cache switched off and e-mail kept in memory.

The dashboard caches its responses per stock generation (`dashboard.caching`): with a cache, a benchmark of the
dashboard measures the cache, not the aggregates. `BENCH_CACHE=on` keeps the configured cache (to measure the cached
path); anything else uses Django's dummy cache, so every dashboard request computes its figures. The list routes do
not cache; the throttle still runs (its history lives in the cache, a no-op here). E-mail (the low-stock digests)
goes to Django's in-memory outbox: a benchmark never sends mail.
"""

import os

from config.settings.base import *  # noqa: F403

if os.environ.get("BENCH_CACHE", "off") != "on":
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
        "throttle": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
