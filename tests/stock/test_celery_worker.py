"""A real Celery worker, on the real Redis broker, e-mails the low-stock digests to a real SMTP server.

Eager mode (the test settings) is no test of the worker: here the task goes through Redis to a worker thread
(`celery.contrib.testing.worker.start_worker`), which has its own database connection — hence PostgreSQL and
`transaction=True`, so it sees committed rows — and the e-mails go over SMTP to an aiosmtpd server on a free local
port. Skipped without REDIS_URL.
"""

import os
import socket
import threading
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from celery import states
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from config.celery import app as celery_app
from core.roles import Role
from stock.models import LowStockDigest, LowStockDigestState
from stock.tasks import send_low_stock_alerts
from tests.catalog.factories import VariantFactory
from tests.stock.helpers import put_stock
from tests.users.factories import UserFactory

REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not REDIS_URL, reason="needs a Redis broker for a real Celery worker (set REDIS_URL)"),
]

WAIT_SECONDS = 30


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts, with its envelope recipients."""

    def __init__(self):
        self.messages = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append((tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def by_recipient(self):
        with self._lock:
            return {recipients: message for recipients, message in self.messages}


class FinishedTasks:
    """Records each task the worker finishes; `task_postrun` is sent in the worker thread, after the task."""

    def __init__(self):
        self.results = {}
        self.threads = {}
        self._changed = threading.Condition()

    def __call__(self, task_id=None, task=None, state=None, retval=None, **kwargs):
        # The worker thread's own database connection: close it, or the test database could not be dropped.
        connections.close_all()
        with self._changed:
            self.results[task_id] = (state, retval)
            self.threads[task_id] = threading.current_thread()
            self._changed.notify_all()

    def wait(self, task_id):
        """The (state, return value) of the task once it succeeded or failed for good (retries are waited out)."""
        with self._changed:
            finished = self._changed.wait_for(
                lambda: self.results.get(task_id, (None,))[0] in states.READY_STATES, WAIT_SECONDS
            )
            assert finished, f"task {task_id} did not finish within {WAIT_SECONDS} s: {self.results.get(task_id)}"
            return self.results[task_id]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_inbox(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    yield inbox
    controller.stop()


@pytest.fixture
def worker():
    """A worker thread consuming from Redis; yields a `FinishedTasks`. The app's settings are restored after."""
    conf = celery_app.conf
    overridden = {"task_always_eager": False, "broker_url": REDIS_URL, "worker_hijack_root_logger": False}
    saved = {key: conf[key] for key in overridden}
    conf.update(overridden)
    finished = FinishedTasks()
    task_postrun.connect(finished, weak=False)
    try:
        celery_app.control.purge()  # nothing left in the queue from an earlier, interrupted run
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            yield finished
    finally:
        task_postrun.disconnect(finished)
        conf.update(saved)


def _text(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def _html(message):
    return message.get_body(preferencelist=("html",)).get_content()


def test_a_real_worker_emails_each_manager_and_admin_their_digest_and_nothing_twice_a_day(
    worker, smtp_inbox, org, admin, manager, warehouse, other_warehouse, other_org, other_admin, foreign_warehouse
):
    # Given: one low level in each of the organization's warehouses, one healthy level, and one low level in
    # another organization; a manager for each warehouse.
    UserFactory(organization=org, username="annex_manager", role=Role.MANAGER, warehouses=[other_warehouse])
    put_stock(VariantFactory(organization=org, sku="W-GREEN", reorder_level=5), warehouse, 2)
    put_stock(VariantFactory(organization=org, sku="W-BLACK", reorder_level=5), other_warehouse, 5)
    put_stock(VariantFactory(organization=org, sku="W-PLENTY", reorder_level=5), warehouse, 50)
    put_stock(VariantFactory(organization=other_org, sku="GX-LOW", reorder_level=3), foreign_warehouse, 1)

    # When: the job goes through the broker to the worker.
    first = send_low_stock_alerts.delay()
    state, summary = worker.wait(first.id)

    # Then: the worker ran it (not the test, eagerly), and sent one e-mail per manager (their warehouse only) and per
    # admin (their organization only).
    assert state == states.SUCCESS, summary
    assert worker.threads[first.id] is not threading.current_thread()
    assert (summary["alerts_opened"], summary["emails_sent"]) == (3, 4)
    received = smtp_inbox.by_recipient()
    assert sorted(received) == [
        ("admin@example.com",),
        ("annex_manager@example.com",),
        ("manager@example.com",),
        ("other_admin@example.com",),
    ]
    main, annex = received[("manager@example.com",)], received[("annex_manager@example.com",)]
    acme, globex = received[("admin@example.com",)], received[("other_admin@example.com",)]
    day = summary["day"]
    assert main["Subject"] == f"Low stock on {day}: 1 level in Main"
    assert annex["Subject"] == f"Low stock on {day}: 1 level in Annex"
    assert acme["Subject"] == f"Low stock on {day}: 2 levels in Acme"
    assert globex["Subject"] == f"Low stock on {day}: 1 level in Globex"
    assert main["To"] == "manager@example.com" and main.get_content_type() == "multipart/alternative"
    assert "W-GREEN" in _text(main) and "W-GREEN" in _html(main)
    assert "W-BLACK" not in _text(main) and "W-BLACK" not in _html(main)
    assert "W-BLACK" in _text(annex) and "W-GREEN" not in _text(annex)
    assert "W-GREEN" in _text(acme) and "W-BLACK" in _text(acme) and "GX-LOW" not in _text(acme)
    assert "GX-LOW" in _text(globex) and "W-" not in _text(globex)
    assert "W-PLENTY" not in "".join(_text(message) for message in received.values())

    # When: beat fires twice more the same day.
    again = [send_low_stock_alerts.delay(), send_low_stock_alerts.delay()]
    outcomes = [worker.wait(result.id) for result in again]

    # Then: nothing new is sent.
    assert [state for state, _ in outcomes] == [states.SUCCESS, states.SUCCESS]
    assert [(s["emails_sent"], s["already_sent"]) for _, s in outcomes] == [(0, 4), (0, 4)]
    assert len(smtp_inbox.messages) == 4
    assert LowStockDigest.objects.filter(state=LowStockDigestState.SENT).count() == 4
