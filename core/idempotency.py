"""`Idempotency-Key` support for POST routes (contract: Idempotency).

The same key from the same user with the same request replays the first response (same status and body, header
`Idempotent-Replayed: true`) and changes nothing again; the same key with another request → 422; a key whose first
request is still running → 409. Keys live 24 hours.

The key is claimed by inserting a row under a unique (user, key) constraint in its own, immediately committed
transaction, so a concurrent duplicate sees the claim at once. The request then runs in a transaction that also
stores its response: the change and the stored replay commit together, or neither does. A request that raises
releases its claim, so the client may retry the same key once the problem is fixed.
"""

import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from core.exceptions import IdempotencyKeyInUse, IdempotencyKeyReused
from core.models import IdempotencyRecord

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
    if not key or len(key) > MAX_KEY_LENGTH:
        raise exceptions.ValidationError({HEADER: [f"Must be 1 to {MAX_KEY_LENGTH} characters."]})
    fingerprint = _fingerprint(request)
    record, claimed = _claim(request.user, key, fingerprint)
    if not claimed:
        if record.fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        if record.state == IdempotencyRecord.State.IN_PROGRESS:
            raise IdempotencyKeyInUse()
        return _replay(record)
    try:
        with transaction.atomic():
            response = handler(request, *args, **kwargs)
            if response.status_code >= 500:
                raise _Unstored(response)
            _store(record, response)
    except _Unstored as unstored:
        _release(record)
        return unstored.response
    except BaseException:
        _release(record)
        raise
    return response


class _Unstored(Exception):  # noqa: N818 - control flow, never escapes this module
    """Carries a response that must not be stored out of the atomic block (rolling back what it did)."""

    def __init__(self, response):
        self.response = response


def _claim(user, key: str, fingerprint: str) -> tuple[IdempotencyRecord, bool]:
    for _ in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user, key=key, fingerprint=fingerprint, expires_at=now + KEY_LIFETIME
                )
            return record, True
        except IntegrityError:
            record = IdempotencyRecord.objects.filter(user=user, key=key).first()
            if record is None:  # released between our insert and this read: claim again
                continue
            if record.expires_at <= now:
                IdempotencyRecord.objects.filter(pk=record.pk, expires_at__lte=now).delete()
                continue
            return record, False
    raise IdempotencyKeyInUse()


def _store(record: IdempotencyRecord, response) -> None:
    record.state = IdempotencyRecord.State.DONE
    record.response_status = response.status_code
    data = getattr(response, "data", None)
    record.response_body = "" if data is None else json.dumps(data, cls=JSONEncoder)
    record.response_headers = {
        name: response[name] for name in _REPLAYED_RESPONSE_HEADERS if response.has_header(name)
    }
    record.save(update_fields=["state", "response_status", "response_body", "response_headers"])


def _release(record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk).delete()


def _replay(record: IdempotencyRecord) -> Response:
    data = json.loads(record.response_body) if record.response_body else None
    headers = {**record.response_headers, REPLAYED_HEADER: "true"}
    return Response(data, status=record.response_status, headers=headers)


def idempotency_records_purge() -> int:
    """Delete expired keys; returns how many."""
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
