"""A real Celery worker thread on the Redis broker, and a real SMTP server, for the tests that need them.

Eager mode (the test settings) is no test of the worker: `worker` sends tasks through Redis to a worker thread
(`celery.contrib.testing.worker.start_worker`), which has its own database connection — hence PostgreSQL and
`transaction=True` in the tests that use it, so it sees committed rows. `smtp_inbox` is an aiosmtpd server on a
free local port that the e-mail settings point at.
"""

import os
import socket
import threading
import uuid
from contextlib import contextmanager
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from celery import states
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from config.celery import app as celery_app

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs a Redis broker for a real Celery worker (set REDIS_URL)")

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


@contextmanager
def own_queue():
    """Send tasks through Redis (not eagerly) to a queue of this test's own, so parallel test processes sharing the
    Redis database never take each other's tasks; the app's settings are restored and the queue deleted after.
    """
    name = f"stockroom-test-{uuid.uuid4().hex[:12]}"
    conf = celery_app.conf
    overridden = {
        "task_always_eager": False,
        "broker_url": REDIS_URL,
        "task_default_queue": name,
        "worker_hijack_root_logger": False,
    }
    saved = {key: conf[key] for key in overridden}
    conf.update(overridden)
    try:
        yield name
    finally:
        conf.update(saved)
        with celery_app.connection_for_write() as broker:
            broker.default_channel.queue_delete(name)


@pytest.fixture
def worker():
    """A worker thread consuming the test's own queue; yields a `FinishedTasks`."""
    finished = FinishedTasks()
    task_postrun.connect(finished, weak=False)
    try:
        with own_queue() as name:
            with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=[name], shutdown_timeout=20):
                yield finished
    finally:
        task_postrun.disconnect(finished)
