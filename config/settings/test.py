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
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = "/tmp/stockroom-test-media"
REPORTS_ROOT = os.environ.get("REPORTS_ROOT", "/tmp/stockroom-test-media/reports")
REST_FRAMEWORK = {**REST_FRAMEWORK}
