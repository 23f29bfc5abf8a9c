from datetime import timedelta

from celery import shared_task
from django.conf import settings

from core.idempotency import idempotency_records_purge
from core.outbox import outbox_process, outbox_purge


@shared_task
def purge_expired_idempotency_keys() -> int:
    return idempotency_records_purge()


@shared_task
def process_outbox_events(event_ids: list[int] | None = None) -> int:
    """Run due outbox events: the ones named (sent on commit), or every due one (beat's sweep)."""
    return outbox_process(event_ids=event_ids)


@shared_task
def purge_processed_outbox_events() -> int:
    return outbox_purge(older_than=timedelta(days=settings.OUTBOX_KEEP_DAYS))
