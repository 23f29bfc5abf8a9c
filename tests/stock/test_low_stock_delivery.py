"""When a digest cannot be e-mailed: the claim is given back, the task retries, and the command exits non-zero.

Eager Celery and the locmem e-mail backend; the real worker and SMTP server are in test_celery_worker.py.
"""

import smtplib
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import CommandError, call_command

from config.celery import app as celery_app
from stock.alerts import low_stock_job_run
from stock.models import LowStockDigest, LowStockDigestState
from stock.tasks import send_low_stock_alerts
from tests.stock.low_stock import DAY

pytestmark = pytest.mark.django_db


# --- Failures and retries -------------------------------------------------------------------------------------------


class RefusingBackend(LocmemBackend):
    """Locmem, except that the addresses in `refuse` are refused by the "server" (`refuse` is set by the test)."""

    refuse: dict[str, int] = {}  # address → how many more times to refuse it

    def send_messages(self, messages):
        for message in messages:
            [address] = message.to
            if RefusingBackend.refuse.get(address, 0) > 0:
                RefusingBackend.refuse[address] -= 1
                raise smtplib.SMTPRecipientsRefused({address: (450, b"mailbox busy")})
        return super().send_messages(messages)


@pytest.fixture
def refusing_backend(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    RefusingBackend.refuse = {}
    yield RefusingBackend
    RefusingBackend.refuse = {}


def test_a_refused_email_gives_its_claim_back_and_the_others_are_still_sent(
    admin, manager, low_in_both, refusing_backend
):
    refusing_backend.refuse = {"admin@example.com": 1}

    result = low_stock_job_run(now=DAY)

    assert result.sent == 1 and [email for email, _ in result.failures] == ["admin@example.com"]
    assert isinstance(result.failures[0][1], smtplib.SMTPException)
    assert [message.to for message in mail.outbox] == [["manager@example.com"]]
    assert list(LowStockDigest.objects.values_list("recipient__username", "state")) == [("manager", "sent")]


@pytest.fixture
def eager_retries():
    """Let eager tasks retry in-process (with eager errors propagating, Celery raises `Retry` at the caller)."""
    propagates = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = propagates


def test_the_task_retries_a_refused_email_and_the_retry_sends_only_what_is_missing(
    admin, manager, low_in_both, refusing_backend, eager_retries
):
    refusing_backend.refuse = {"admin@example.com": 2}  # refused twice, accepted on the third attempt

    outcome = send_low_stock_alerts.apply().get()

    assert sorted(message.to[0] for message in mail.outbox) == ["admin@example.com", "manager@example.com"]
    assert outcome["emails_sent"] == 1 and outcome["already_sent"] == 1  # the last attempt's own summary
    assert LowStockDigest.objects.filter(state=LowStockDigestState.SENT).count() == 2


def test_the_task_gives_up_after_its_retries_and_raises_the_smtp_error(
    admin, low_in_both, refusing_backend, eager_retries
):
    refusing_backend.refuse = {"admin@example.com": 100}

    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send_low_stock_alerts.apply().get()

    assert mail.outbox == [] and not LowStockDigest.objects.exists()
    assert refusing_backend.refuse["admin@example.com"] == 100 - 1 - send_low_stock_alerts.max_retries


def test_the_task_retries_smtp_and_connection_errors_with_exponential_backoff():
    task = send_low_stock_alerts
    assert set(task.autoretry_for) >= {smtplib.SMTPException, ConnectionError, OSError}
    assert task.retry_backoff is True and task.max_retries >= 3


def test_beat_schedules_the_task_by_its_registered_name():
    entry = settings.CELERY_BEAT_SCHEDULE["low-stock-digest"]

    assert entry["task"] == send_low_stock_alerts.name == "stock.tasks.send_low_stock_alerts"
    assert entry["task"] in celery_app.tasks


# --- The command ----------------------------------------------------------------------------------------------------


def test_the_command_runs_the_job_and_prints_a_summary(admin, manager, low_in_both):
    out = StringIO()

    call_command("send_low_stock_alerts", stdout=out)
    call_command("send_low_stock_alerts", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].endswith(": 2 opened, 0 closed, 2 open.")
    assert lines[1] == "E-mails: 2 sent, 0 already sent today."
    assert lines[4] == "E-mails: 0 sent, 2 already sent today."
    assert len(mail.outbox) == 2


def test_the_command_exits_non_zero_naming_the_addresses_it_could_not_email(
    admin, manager, low_in_both, refusing_backend
):
    refusing_backend.refuse = {"manager@example.com": 1}
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match="1 e-mail"):
        call_command("send_low_stock_alerts", stdout=out, stderr=err)

    assert "E-mails: 1 sent" in out.getvalue()
    assert "Not sent to manager@example.com" in err.getvalue()
