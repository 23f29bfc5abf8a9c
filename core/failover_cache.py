"""A Redis cache that keeps the API serving when Redis is down (settings: `CACHES`).

Django's `RedisCache` raises on every call while Redis is unreachable, and DRF's throttles and the dashboards call
the cache on every request, so without this a Redis outage fails every route. `FailoverRedisCache` catches Redis's
errors and falls back, per alias, to one of:

- `"bypass"` (the default alias): reads miss and writes are dropped, so cached figures are computed afresh. No
  process serves another's stale figures, which a per-process copy would (a stock change retires cached dashboards
  through a generation counter that, kept per process, only the writing process would see).
- `"local"` (the throttle alias): a per-process local-memory cache, so throttles keep counting — per process, each
  allowing the full rate, until Redis is back.

After a failure the alias goes straight to its fallback for `RETRY_AFTER` seconds (5) before one call tries Redis
again, and short connect and socket timeouts (0.25 s / 0.5 s unless `OPTIONS` says otherwise) bound what a request
can wait for a Redis that does not answer. `is_down()` tells the health check what the process has seen.
"""

import logging
import threading
import time

import redis
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

_down_until: dict[str, float] = {}  # per location, shared by every thread of the process
_down_lock = threading.Lock()

_BYPASS = {
    "add": False,
    "get": None,  # replaced by the call's default
    "set": None,
    "touch": False,
    "delete": False,
    "get_many": {},
    "has_key": False,
    "set_many": [],
    "delete_many": None,
    "clear": None,
}


class FailoverRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self._fallback_mode = options.pop("FALLBACK", "bypass")
        self._retry_after = float(options.pop("RETRY_AFTER", 5))
        options.setdefault("socket_connect_timeout", 0.25)
        options.setdefault("socket_timeout", 0.5)
        super().__init__(server, {**params, "OPTIONS": options})
        self._location = f"{server}|{self.key_prefix}"
        self._local = None
        if self._fallback_mode == "local":
            self._local = LocMemCache(f"failover:{self._location}", {"TIMEOUT": params.get("TIMEOUT", 300)})

    def is_down(self) -> bool:
        return _down_until.get(self._location, 0.0) > time.monotonic()

    def _mark_down(self, error: Exception) -> None:
        with _down_lock:
            first = not self.is_down()
            _down_until[self._location] = time.monotonic() + self._retry_after
        if first:
            logger.warning("Cache %s unreachable (%s): falling back to %s", self._location, error, self._fallback_mode)

    def _call(self, name: str, *args, **kwargs):
        if not self.is_down():
            try:
                return getattr(super(), name)(*args, **kwargs)
            except redis.RedisError as error:
                self._mark_down(error)
        if self._local is not None:
            return getattr(self._local, name)(*args, **kwargs)
        if name == "get":
            return kwargs.get("default", args[1] if len(args) > 1 else None)
        if name == "incr":
            raise ValueError(f"Key '{args[0]}' not found.")  # what a missing key answers; callers handle it
        return _BYPASS[name]

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self):
        return self._call("clear")
