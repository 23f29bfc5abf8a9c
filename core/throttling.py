"""The user throttle every authenticated request passes, at one Redis round trip at most.

DRF's `UserRateThrottle` keeps each user's request times as a list in the cache: a read and a write of the whole
list per request (two round trips, and concurrent requests overwrite each other's entry). Here the rate is a
fixed-window counter, `INCR` on a key per user and window, which authentication increments in the same pipeline as
its version check (`core.authstate`), so the throttle itself costs no round trip. Without Redis, or while it is
unreachable, it is `core.throttles.UserRateThrottle` (counted per process).
"""

import time

from core import throttles
from core.redis_client import RedisError, cache_key, redis_client


class UserRateThrottle(throttles.UserRateThrottle):
    """At most `DEFAULT_THROTTLE_RATES["user"]` requests per user in each window of the rate's period."""

    def counter(self, user_id, now: float | None = None) -> tuple[str, int] | None:
        """The `(key, seconds)` of the user's counter for the current window; None when there is no rate."""
        if self.rate is None:
            return None
        now = time.time() if now is None else now
        window = int(now // self.duration)
        return cache_key(f"throttle:{self.scope}:{user_id}:{window}"), self.duration

    def allow_request(self, request, view):
        client = redis_client()
        user = request.user
        if client is None or self.rate is None or not (user and user.is_authenticated):
            return super().allow_request(request, view)
        self.now = time.time()
        key, seconds = self.counter(user.pk, self.now)
        count = getattr(request, "redis_counts", {}).get(key)
        if count is None:  # not counted with authentication (another authentication, or Redis failed then)
            try:
                count = _increment(client, key, seconds)
            except RedisError:  # counted per process while Redis is away, as every throttle (core.throttles)
                return super().allow_request(request, view)
        return count <= self.num_requests

    def wait(self):
        if not hasattr(self, "history"):  # the counter's window: what is left of it
            return self.duration - (self.now % self.duration)
        return super().wait()


def _increment(client, key: str, seconds: int) -> int:
    pipeline = client.pipeline(transaction=False)
    pipeline.incr(key)
    pipeline.expire(key, seconds)
    return pipeline.execute()[0]
