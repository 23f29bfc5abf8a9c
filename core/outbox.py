"""The outbox: side effects that run after their change has committed, at least once, never inside the request.

A service calls `outbox_emit(...)` inside the transaction that makes its change: the event row commits with the
change or rolls back with it, so a side effect is never lost for a committed change and never run for one that
failed. On commit a Celery task is asked to process the new event (in-process when `REDIS_URL` is unset); beat
sweeps every minute for what that missed (a broker or worker outage, a failed attempt whose back-off is over).

Processing claims one event at a time with `SELECT ... FOR UPDATE SKIP LOCKED` in its own transaction, runs the
handler, then marks it processed in that same transaction: two workers never run one event, and a worker killed
mid-way leaves the event unprocessed for the next sweep (delivery is at least once, so handlers tolerate a rare
repeat). A handler that raises is recorded (`attempts`, `last_error`) and tried again after an exponential
back-off, up to `OUTBOX_MAX_ATTEMPTS`; then the event stays in the admin as failed.

Core knows no app: each app registers the handlers of its own event types with `@outbox_handler("type")` in a
module its `AppConfig.ready()` imports. See docs/decisions/ for why a table and a task.
"""

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.models import OutboxEvent

logger = logging.getLogger("stockroom.outbox")

Handler = Callable[[OutboxEvent], None]
_handlers: dict[str, Handler] = {}


def outbox_handler(event_type: str) -> Callable[[Handler], Handler]:
    """Register the one handler of `event_type` (it receives the event; its payload is JSON)."""

    def register(handler: Handler) -> Handler:
        known = _handlers.get(event_type)
        if known is not None and known is not handler:
            raise RuntimeError(f"Outbox event type {event_type!r} already has a handler: {known.__qualname__}.")
        _handlers[event_type] = handler
        return handler

    return register


def outbox_emit(*, event_type: str, payload: dict, organization_id: int | None = None) -> OutboxEvent:
    """Record a side effect in the caller's transaction; it is processed once that transaction commits.

    Refused outside a transaction: an event that commits on its own could outlive a change that then fails.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_emit() must be called inside the transaction that makes the change.")
    if event_type not in _handlers:
        raise LookupError(f"No outbox handler is registered for {event_type!r}.")
    event = OutboxEvent.objects.create(event_type=event_type, payload=payload, organization_id=organization_id)
    # robust: whatever happens after the commit, the committed change is answered as done.
    transaction.on_commit(partial(_kick, event.pk), robust=True)
    return event


def _kick(event_id: int) -> None:
    """Ask a worker to process the event now; if the broker is down, beat's sweep will find it later."""
    from core.tasks import process_outbox_events

    try:
        process_outbox_events.apply_async(kwargs={"event_ids": [event_id]}, retry=False)
    except Exception:
        logger.warning("Outbox event %s left for the sweep: the task could not be sent.", event_id, exc_info=True)


def outbox_process(*, event_ids: Iterable[int] | None = None, limit: int | None = None) -> int:
    """Process due events (only `event_ids` when given), one transaction each; return how many succeeded."""
    limit = limit or settings.OUTBOX_BATCH_SIZE
    ids = list(event_ids) if event_ids is not None else None
    done = tried = 0
    while tried < limit:
        outcome = _process_next(ids)
        if outcome is None:
            break
        tried += 1
        done += outcome
    return done


def _process_next(ids: list[int] | None) -> bool | None:
    """Claim, run and mark the next due event: True on success, False on a failure, None when none is left."""
    with transaction.atomic():
        now = timezone.now()
        due = OutboxEvent.objects.due(now, settings.OUTBOX_MAX_ATTEMPTS)
        if ids is not None:
            due = due.filter(pk__in=ids)
        # SKIP LOCKED: an event another worker holds is its business, not a reason to wait.
        event = due.select_for_update(skip_locked=True).order_by("pk").first()
        if event is None:
            return None
        event.attempts += 1
        try:
            with transaction.atomic():  # a savepoint: a failing handler's own writes roll back, the count stays
                _handlers[event.event_type](event)
        except Exception as error:  # any handler failure is recorded and retried
            _record_failure(event, error, now)
            return False
        event.processed_at = timezone.now()
        event.last_error = ""
        event.save(update_fields=["attempts", "processed_at", "last_error"])
        return True


def _record_failure(event: OutboxEvent, error: Exception, now) -> None:
    event.last_error = f"{type(error).__name__}: {error}"[:2000]
    event.available_at = now + retry_delay(event.attempts)
    event.save(update_fields=["attempts", "last_error", "available_at"])
    final = event.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    log = logger.error if final else logger.warning
    log(
        "Outbox event %s (%s) failed, attempt %s%s.",
        event.pk,
        event.event_type,
        event.attempts,
        ", giving up" if final else "",
        exc_info=error,
    )


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the `attempts`-th failure: the base, doubled each time, at most an hour."""
    return timedelta(seconds=min(settings.OUTBOX_RETRY_SECONDS * 2 ** (attempts - 1), 3600))


def outbox_purge(*, older_than: timedelta) -> int:
    """Delete events processed before `older_than` ago (failed ones stay for an operator to see)."""
    cutoff = timezone.now() - older_than
    deleted, _ = OutboxEvent.objects.filter(processed_at__lt=cutoff).delete()
    return deleted
