"""Test settings: the base settings with a fast hasher and isolated side effects.

DATABASE_URL and REDIS_URL still come from the environment, so `make test` runs on SQLite by default and CI runs
the same suite on PostgreSQL and Redis.
"""

import os

os.environ.setdefault("STOCKROOM_ALLOW_DEV_KEY", "true")

from .base import *  # noqa: E402,F403
from .base import REST_FRAMEWORK  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Eager by default; the tests that exercise a real worker opt out.
CELERY_TASK_ALWAYS_EAGER = True
# One local-memory store for both aliases: clearing the default cache clears the throttle counters too.
_LOCAL = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "stockroom-test"}
CACHES = {"default": _LOCAL, "throttle": _LOCAL}
MEDIA_ROOT = "/tmp/stockroom-test-media"
REPORTS_ROOT = os.environ.get("REPORTS_ROOT", "/tmp/stockroom-test-media/reports")
REST_FRAMEWORK = {**REST_FRAMEWORK}
