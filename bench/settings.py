"""Settings of the API under benchmark: production settings with the cache switched off and e-mail kept in memory.

The dashboard caches its responses per stock generation (`dashboard.caching`): with a cache, a benchmark of the
dashboard measures the cache, not the aggregates. `BENCH_CACHE=on` keeps the configured cache (to measure the cached
path); anything else uses Django's dummy cache, so every dashboard request computes its figures. The list routes do
not cache; the throttle still runs (its history lives in the cache, a no-op here). E-mail (the low-stock digests)
goes to Django's in-memory outbox: a benchmark never sends mail.

Only these settings install the `bench` app, so `generate_bench_data` (which drops the stock tables' constraints and
COPYs into them) exists only where they are named: `bench/run.py` runs every command with them, and a command run by
hand needs `--settings=bench.settings`. The production settings (`config.settings.base`) never list it.
"""

import os

from config.settings.base import *  # noqa: F403
from config.settings.base import INSTALLED_APPS

# A new list: the base settings' own stays as it is.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # generate_bench_data (no models)

if os.environ.get("BENCH_CACHE", "off") != "on":
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
        "throttle": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
