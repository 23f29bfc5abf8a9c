"""The outbox: events commit (or roll back) with their change, run once after commit, and failures are retried."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from core import tasks
from core.models import OutboxEvent
from core.outbox import outbox_emit, outbox_handler, outbox_process, outbox_purge, retry_delay

RECORDED = "test.recorded"
FLAKY = "test.flaky"
SLOW = "test.slow"

calls: list[dict] = []
failures_left = {FLAKY: 0}


@outbox_handler(RECORDED)
def _record(event):
    calls.append(event.payload)


@outbox_handler(FLAKY)
def _flaky(event):
    if failures_left[FLAKY]:
        failures_left[FLAKY] -= 1
        raise ConnectionError("the mail server is down")
    calls.append(event.payload)


@outbox_handler(SLOW)
def _slow(event):
    calls.append(event.payload)
    time.sleep(0.5)  # long enough for a second worker to reach the same row while this one holds it


@pytest.fixture(autouse=True)
def _fresh_handlers():
    calls.clear()
    failures_left[FLAKY] = 0
    yield
    calls.clear()


def _emit(event_type=RECORDED, **payload) -> OutboxEvent:
    with transaction.atomic():
        return outbox_emit(event_type=event_type, payload=payload, organization_id=None)


def _make_due(event: OutboxEvent) -> None:
    OutboxEvent.objects.filter(pk=event.pk).update(available_at=timezone.now())


@pytest.mark.django_db
def test_an_event_is_written_in_the_transaction_and_rolled_back_with_it(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        outbox_emit(event_type=RECORDED, payload={"n": 1})
        assert OutboxEvent.objects.count() == 1  # in the change's own transaction
        raise RuntimeError("the change failed")

    assert OutboxEvent.objects.count() == 0
    assert calls == []


@pytest.mark.django_db
def test_a_committed_event_runs_after_commit_and_only_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            event = outbox_emit(event_type=RECORDED, payload={"n": 1}, organization_id=7)
            assert calls == []  # nothing runs before the commit
    event.refresh_from_db()

    assert calls == [{"n": 1}]
    assert (event.attempts, event.last_error, event.organization_id) == (1, "", 7)
    assert event.processed_at is not None
    assert outbox_process() == 0 and calls == [{"n": 1}]  # the sweep finds nothing left to do


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_an_event_is_refused():
    with pytest.raises(RuntimeError):
        outbox_emit(event_type=RECORDED, payload={})

    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db
def test_an_event_type_without_a_handler_is_refused_when_emitted():
    with pytest.raises(LookupError), transaction.atomic():
        outbox_emit(event_type="test.nobody_listens", payload={})


@pytest.mark.django_db
def test_a_failing_handler_is_recorded_then_retried_after_its_back_off(django_capture_on_commit_callbacks):
    failures_left[FLAKY] = 2
    with django_capture_on_commit_callbacks(execute=True):  # the on-commit run fails: nothing reaches the caller
        event = _emit(FLAKY, n=1)
    event.refresh_from_db()

    assert (event.processed_at, event.attempts) == (None, 1)
    assert event.last_error == "ConnectionError: the mail server is down"
    assert event.available_at > timezone.now()  # backing off
    assert outbox_process() == 0 and calls == []  # not due yet

    _make_due(event)
    assert outbox_process() == 0  # fails once more
    _make_due(event)
    assert outbox_process() == 1
    event.refresh_from_db()

    assert calls == [{"n": 1}]
    assert (event.attempts, event.last_error) == (3, "")
    assert event.processed_at is not None


@pytest.mark.django_db
def test_an_event_that_keeps_failing_is_given_up_after_the_last_attempt(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    failures_left[FLAKY] = 5
    event = _emit(FLAKY, n=1)

    for _ in range(3):
        outbox_process(event_ids=[event.pk])
        _make_due(event)
    event.refresh_from_db()

    assert (event.attempts, event.processed_at) == (2, None)
    assert failures_left[FLAKY] == 3  # tried twice, then left for an operator
    assert event.last_error


def test_the_back_off_doubles_up_to_an_hour(settings):
    settings.OUTBOX_RETRY_SECONDS = 30

    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 10)] == [30, 60, 120, 3600]


@pytest.mark.django_db
def test_when_the_broker_is_down_the_commit_stands_and_the_sweep_runs_the_event(
    monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.process_outbox_events, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        event = _emit(RECORDED, n=1)

    assert calls == [] and OutboxEvent.objects.get().processed_at is None
    monkeypatch.undo()

    assert tasks.process_outbox_events.delay().get() == 1  # beat's sweep: every due event
    assert calls == [{"n": 1}]
    event.refresh_from_db()
    assert event.processed_at is not None


@pytest.mark.django_db
def test_a_sweep_runs_the_due_events_in_order_and_skips_the_processed_ones():
    first, second = _emit(RECORDED, n=1), _emit(RECORDED, n=2)
    outbox_process(event_ids=[second.pk])

    assert outbox_process() == 1
    assert calls == [{"n": 2}, {"n": 1}]
    first.refresh_from_db()
    assert first.attempts == 1


@pytest.mark.django_db
def test_purge_deletes_old_processed_events_and_keeps_failed_and_recent_ones(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    failures_left[FLAKY] = 1
    done, failed = _emit(RECORDED, n=1), _emit(FLAKY, n=2)
    outbox_process()  # done succeeds; failed fails its only attempt
    long_ago = timezone.now() - timedelta(days=8)
    OutboxEvent.objects.filter(pk=done.pk).update(created_at=long_ago, processed_at=long_ago)
    OutboxEvent.objects.filter(pk=failed.pk).update(created_at=long_ago)
    recent = _emit(RECORDED, n=3)
    outbox_process()

    assert outbox_purge(older_than=timedelta(days=7)) == 1
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {failed.pk, recent.pk}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_event_run_it_once():
    event = OutboxEvent.objects.create(event_type=SLOW, payload={"n": 1})  # committed, not yet processed
    results = []
    start = threading.Barrier(2)

    def work():
        start.wait()
        try:
            results.append(outbox_process(event_ids=[event.pk]))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [0, 1]  # the second skipped the row the first held, then found it processed
    assert calls == [{"n": 1}]
    event.refresh_from_db()
    assert event.attempts == 1
