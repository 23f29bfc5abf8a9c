"""The requester's e-mail leaves the request: the outbox sends it after the decision commits, and retries it."""

import threading
import time
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.utils import timezone

from core.models import OutboxEvent
from core.tasks import process_outbox_events
from sales import notifications
from sales.models import SalesOrder, SalesOrderStatus
from tests.celery_worker import needs_redis
from tests.sales.conftest import level
from tests.sales.helpers import LIST as ORDERS
from tests.sales.helpers import act, body

WAIT_SECONDS = 30


def _request(viewer_client, warehouse, mug) -> dict:
    response = viewer_client.post(ORDERS, body(warehouse, (mug, 2)))
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.django_db
def test_a_failing_mail_server_never_fails_the_decision_and_the_email_follows_later(
    monkeypatch, staff_client, viewer, viewer_client, warehouse, mug, shelve, django_capture_on_commit_callbacks
):
    shelve(mug, warehouse, 5)
    order = _request(viewer_client, warehouse, mug)

    def refused(*args, **kwargs):
        raise SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(notifications, "send_mail", refused)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(act(order, "fulfill"))

    assert response.status_code == 200 and response.json()["status"] == "fulfilled"
    assert level(mug, warehouse) == 3 and mail.outbox == []
    event = OutboxEvent.objects.get()
    assert (event.event_type, event.attempts, event.processed_at) == (notifications.REQUEST_DECIDED, 1, None)
    assert "Connection unexpectedly closed" in event.last_error

    # When: the mail server is back and the retry is due, beat's sweep sends it.
    monkeypatch.undo()
    OutboxEvent.objects.update(available_at=timezone.now())
    process_outbox_events.delay()

    [message] = mail.outbox
    assert message.to == [viewer.email] and order["number"] in message.subject and "approved" in message.subject


@pytest.mark.django_db
def test_a_failed_decision_leaves_no_event(staff_client, viewer_client, warehouse, mug):
    order = _request(viewer_client, warehouse, mug)  # no stock at all

    response = staff_client.post(act(order, "fulfill"))

    assert response.status_code == 409 and not OutboxEvent.objects.exists()


@pytest.mark.celery_worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@needs_redis
def test_a_real_worker_emails_the_requester_over_smtp_after_the_decision_commits(
    worker, smtp_inbox, staff_client, viewer, viewer_client, warehouse, mug, shelve
):
    shelve(mug, warehouse, 5)
    order = _request(viewer_client, warehouse, mug)

    response = staff_client.post(act(order, "reject"), {"reason": "Discontinued"})

    assert response.status_code == 200, response.content
    deadline = time.monotonic() + WAIT_SECONDS
    processed = OutboxEvent.objects.filter(processed_at__isnull=False)
    while not (smtp_inbox.messages and processed.exists()) and time.monotonic() < deadline:
        time.sleep(0.05)
    [(recipients, message)] = smtp_inbox.messages
    assert recipients == (viewer.email,)
    assert message["Subject"] == f"Order {order['number']} rejected"
    assert "Discontinued" in message.get_content()
    assert SalesOrder.objects.get().status == SalesOrderStatus.REJECTED
    event = OutboxEvent.objects.get()
    assert event.processed_at is not None and event.attempts == 1
    # The task ran in the worker's thread, not in the request's.
    assert worker.threads and threading.current_thread() not in worker.threads.values()
