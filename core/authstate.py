"""Who the caller is, without a database round trip per request (decision 0018).

Each process keeps the users it has authenticated, each tagged with the user's auth version as Redis held it just
before the row was read. A request reads the current version (one `GET`, pipelined with the counters of the
request's throttles, so the whole request costs one Redis round trip) and reuses the kept user while the version has
not moved. Every change that can refuse or narrow a user (dismissal, deactivation, role, warehouses, password,
deletion) writes a new version once its transaction has committed (`users.signals`), so the very next request of that
user, in any process, reads the row again and is refused when it must be.

A version is a random token, never a counter, so a Redis that lost its data cannot bring an old value back; and a user
is only ever kept under a written version (the first request of a user without one writes it), so a lost key does not
read as the "no version" some kept user was tagged with. A change whose new version could not be written (Redis
unreachable at that moment) is still seen by every process after `MAX_AGE` seconds, when kept users are read again
anyway. Without a Redis cache (local memory: `make run`, the tests' default) nothing is kept: processes could not see
each other's changes.
"""

import copy
import logging
import time
import uuid
from collections.abc import Callable, Iterable

from core.redis_client import RedisError, cache_key, redis_client

logger = logging.getLogger(__name__)

MAX_AGE = 300  # seconds a kept user is trusted without any version change (bounds a lost version write)
MAX_USERS = 10_000  # per process; the store starts afresh beyond it

_kept: dict[str, tuple[bytes | None, float, object]] = {}  # by user id as text (tokens carry it so)


def _version_key(user_id) -> str:
    return cache_key(f"auth-version:{user_id}")


def bump(user_id) -> None:
    """Give the user a new auth version: every process reads the user's row again on their next request."""
    _kept.pop(str(user_id), None)
    client = redis_client()
    if client is None:
        return
    try:
        client.set(_version_key(user_id), uuid.uuid4().hex)
    except RedisError:
        logger.warning("Auth version of user %s not written; other processes trust it up to %ss", user_id, MAX_AGE)


def _start_version(client, user_id) -> bytes | None:
    """The user's version, written first if there is none (a second round trip, once per user and Redis lifetime).

    A user kept under "no version" would be trusted again after Redis lost a newer one (a restart, a flush): the
    missing key would read as the same "no version". None when Redis failed: the caller keeps nothing then.
    """
    token = uuid.uuid4().hex.encode()
    try:
        if client.set(_version_key(user_id), token, nx=True):
            return token
        return client.get(_version_key(user_id))  # another process wrote one meanwhile
    except RedisError:
        return None


def authenticated_user(
    user_id, load: Callable[[], object], *, counters: Iterable[tuple[str, int]] = ()
) -> tuple[object, dict[str, int]]:
    """The user with this id (`load()` reads and checks the row when no kept copy is current) and the counters.

    `counters` are `(key, seconds)` pairs that are incremented in the same round trip (each expiring after its
    seconds); the answer maps each key to its new value, or is empty when Redis is not there or failed.
    """
    client = redis_client()
    if client is None:
        return load(), {}
    counters = list(counters)
    pipeline = client.pipeline(transaction=False)
    pipeline.get(_version_key(user_id))
    for key, seconds in counters:
        pipeline.incr(key)
        pipeline.expire(key, seconds)
    try:
        answers = pipeline.execute()
    except RedisError:
        logger.warning("Redis unreachable: user %s read from the database", user_id)
        _kept.clear()  # what was kept may have missed a version change meanwhile
        return load(), {}
    version, counts = answers[0], {key: answers[1 + 2 * index] for index, (key, _) in enumerate(counters)}
    if version is None:  # never written, or lost with Redis's data: what is kept must never match "no version"
        version = _start_version(client, user_id)
        if version is None:
            return load(), counts
    user_id = str(user_id)
    kept = _kept.get(user_id)
    now = time.monotonic()
    if kept is not None and kept[0] == version and now - kept[1] < MAX_AGE:
        return copy.copy(kept[2]), counts
    user = load()  # raises when the user may not authenticate: nothing is kept then
    if len(_kept) >= MAX_USERS:
        _kept.clear()
    _kept[user_id] = (version, now, copy.copy(user))
    return user, counts
