"""`Idempotency-Key` support for POST routes (contract: Idempotency).

The same key from the same user with the same request replays the first response (same status and body, header
`Idempotent-Replayed: true`) and changes nothing again; the same key with another request → 422; a key whose first
request is still running → 409. Keys live 24 hours.

The claim lives and dies with the request's own transaction (docs/decisions/0015): the request runs inside one
transaction that first takes a transaction-scoped advisory lock on (user, key) — held by a running request, so a
concurrent duplicate answers 409 at once — and last inserts the stored response under a unique (user, key)
constraint. The change and its stored replay commit together or not at all, so:

- a committed request's record exists, whatever happens after the commit (an after-commit hook that fails is
  logged, never answered as an error);
- a request that raises, answers 5xx, or dies with its worker or its database connection leaves nothing behind:
  PostgreSQL drops the lock with the transaction, and the retry runs as if it were the first;
- without advisory locks (SQLite) the unique constraint alone keeps the second of two concurrent requests from
  committing: it rolls back and replays the first's response.
"""

import hashlib
import json
import logging
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from core.exceptions import IdempotencyKeyInUse, IdempotencyKeyReused
from core.models import IdempotencyRecord

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255
_REPLAYED_RESPONSE_HEADERS = ("Location",)


class IdempotentMixin:
    """Make every POST of a view (create and POST actions) honour the `Idempotency-Key` header.

    Put it first in the bases so it wraps the handler DRF picks after authentication and permission checks.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.headers.get(HEADER)
        if request.method == "POST" and key is not None:
            # DRF looks the handler up right after initial(); for viewsets `self.post` is the mapped action.
            handler = self.post
            self.post = lambda req, *a, **kw: _run_once(handler, req, key, *a, **kw)


def _fingerprint(request) -> str:
    data = request.data
    if hasattr(data, "lists"):  # QueryDict from form or multipart bodies
        data = {field: values for field, values in data.lists()}
    body = json.dumps(data, cls=JSONEncoder, sort_keys=True, default=str)
    raw = f"{request.method}\n{request.get_full_path()}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _run_once(handler, request, key: str, *args, **kwargs):
    """Run `handler` at most once per (user, key): its change and the stored response commit together."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise exceptions.ValidationError({HEADER: [f"Must be 1 to {MAX_KEY_LENGTH} characters."]})
    fingerprint = _fingerprint(request)
    user = request.user
    stored = False
    try:
        with transaction.atomic():
            earlier = _claim(user, key, fingerprint)
            if earlier is not None:
                return _replay(earlier)
            response = handler(request, *args, **kwargs)
            if response.status_code >= 500:
                raise _Unstored(response)
            _store(user, key, fingerprint, response)
            stored = True
    except _Unstored as unstored:
        return unstored.response
    except _Duplicate:  # a concurrent request with this key committed first (no advisory lock): ours rolled back
        return _answer_for(_record(user, key), fingerprint)
    except Exception:
        if stored and _committed(user, key):
            # The change and its record are committed; what failed ran after the commit (a hook). The client must
            # get the committed answer, not an error that invites it to retry something already done.
            logger.exception("After-commit failure on %s (key %s); the request itself committed", request.path, key)
            return response
        raise
    return response


class _Unstored(Exception):  # noqa: N818 - control flow, never escapes this module
    """Carries a response that must not be stored out of the atomic block (rolling back what it did)."""

    def __init__(self, response):
        self.response = response


class _Duplicate(Exception):  # noqa: N818 - control flow, never escapes this module
    """The record insert met a committed record of the same key: roll the whole request back."""


def _lock_id(user_id: int, key: str) -> int:
    digest = hashlib.sha256(f"idempotency:{user_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _claim(user, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """Take the key for this transaction; the earlier record to replay, if any. Raises 409 / 422."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_lock_id(user.pk, key)])
            if not cursor.fetchone()[0]:
                raise IdempotencyKeyInUse()
    record = _record(user, key)
    if record is None:
        return None
    if record.expires_at <= timezone.now() or record.state != IdempotencyRecord.State.DONE:
        # Expired, or an in-progress claim of an older release (nothing writes one now): forget it.
        record.delete()
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return record


def _record(user, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(user=user, key=key).first()


def _answer_for(record: IdempotencyRecord | None, fingerprint: str) -> Response:
    if record is None:  # cannot happen after a unique violation; be explicit rather than replay nothing
        raise IdempotencyKeyInUse()
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return _replay(record)


def _committed(user, key: str) -> bool:
    """Whether this key's record is committed, asked on a connection that may have just failed."""
    try:
        if connection.in_atomic_block:
            return False
        connection.close_if_unusable_or_obsolete()
        return IdempotencyRecord.objects.filter(user=user, key=key).exists()
    except Exception:  # the database is unreachable: the outcome is unknown, so answer the original error
        logger.exception("Could not tell whether key %s committed", key)
        return False


def _store(user, key: str, fingerprint: str, response) -> None:
    data = getattr(response, "data", None)
    record = IdempotencyRecord(
        user=user,
        key=key,
        fingerprint=fingerprint,
        state=IdempotencyRecord.State.DONE,
        response_status=response.status_code,
        response_body="" if data is None else json.dumps(data, cls=JSONEncoder),
        response_headers={name: response[name] for name in _REPLAYED_RESPONSE_HEADERS if response.has_header(name)},
        expires_at=timezone.now() + KEY_LIFETIME,
    )
    try:
        with transaction.atomic():
            record.save(force_insert=True)
    except IntegrityError as error:
        raise _Duplicate() from error


def _replay(record: IdempotencyRecord) -> Response:
    data = json.loads(record.response_body) if record.response_body else None
    headers = {**record.response_headers, REPLAYED_HEADER: "true"}
    return Response(data, status=record.response_status, headers=headers)


def idempotency_records_purge() -> int:
    """Delete expired keys; returns how many."""
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
