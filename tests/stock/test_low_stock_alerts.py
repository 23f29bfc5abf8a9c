"""The low-stock job: alerts open and close with the levels, and each manager and admin gets one digest a day.

Eager Celery and the locmem e-mail backend; the real worker and SMTP server are in test_celery_worker.py.
"""

import smtplib
import threading
from datetime import UTC, datetime, timedelta
from io import StringIO

import factory
import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.celery import app as celery_app
from core.roles import Role
from stock import alerts
from stock.alerts import low_stock_job_run
from stock.models import LowStockAlert, LowStockDigest, LowStockDigestState, Reason, StockLevel
from stock.services import StockChange, stock_add, stock_remove
from stock.tasks import send_low_stock_alerts
from tests.catalog.factories import VariantFactory
from tests.stock.helpers import put_stock
from tests.users.factories import UserFactory
from tests.warehouses.factories import WarehouseFactory

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def take_stock(variant, warehouse, quantity):
    stock_remove(
        organization_id=variant.organization_id,
        changes=[StockChange(variant.pk, warehouse.pk, quantity)],
        reason=Reason.SALE,
    )


def level_of(variant, warehouse):
    return StockLevel.objects.get(variant=variant, warehouse=warehouse)


def mail_to(address):
    [message] = [message for message in mail.outbox if message.to == [address]]
    return message


def html_of(message):
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


# --- Opening and closing alerts -------------------------------------------------------------------------------------


def test_a_level_at_its_reorder_level_opens_one_alert_that_a_second_run_does_not_duplicate(variant, warehouse):
    put_stock(variant, warehouse, 5)  # reorder level 5: at it counts as low

    first = low_stock_job_run(now=DAY)
    second = low_stock_job_run(now=DAY + timedelta(hours=1))

    [alert] = LowStockAlert.objects.all()
    assert (first.opened, second.opened) == (1, 0)
    assert alert.level == level_of(variant, warehouse)
    assert (alert.quantity_at_open, alert.reorder_level_at_open) == (5, 5)
    assert alert.opened_at == DAY and alert.closed_at is None


def test_a_level_above_its_reorder_level_opens_nothing(variant, warehouse):
    put_stock(variant, warehouse, 6)

    result = low_stock_job_run(now=DAY)

    assert result.opened == 0 and not LowStockAlert.objects.exists()
    assert mail.outbox == []


def test_an_alert_closes_when_its_level_rises_above_the_reorder_level(variant, warehouse):
    put_stock(variant, warehouse, 2)
    low_stock_job_run(now=DAY)

    put_stock(variant, warehouse, 10, reason=Reason.PURCHASE)
    result = low_stock_job_run(now=DAY + timedelta(hours=2))

    [alert] = LowStockAlert.objects.all()
    assert result.closed == 1 and result.open_alerts == 0
    assert alert.closed_at == DAY + timedelta(hours=2)


def test_a_level_that_recovers_and_drops_again_gets_a_new_alert_and_is_listed_once(admin, variant, warehouse):
    put_stock(variant, warehouse, 3)
    low_stock_job_run(now=DAY)
    put_stock(variant, warehouse, 10, reason=Reason.PURCHASE)  # 13: recovered
    low_stock_job_run(now=DAY + timedelta(days=1))
    take_stock(variant, warehouse, 12)  # 1: low again
    mail.outbox.clear()

    result = low_stock_job_run(now=DAY + timedelta(days=2))

    closed, reopened = LowStockAlert.objects.order_by("id")
    assert closed.closed_at == DAY + timedelta(days=1)
    assert reopened.closed_at is None and reopened.quantity_at_open == 1
    assert result.opened == 1
    body = mail_to("admin@example.com").body
    assert body.count("TEA-GREEN") == 1
    assert "1 on hand, reorder level 5" in body


def test_an_override_on_the_level_wins_over_the_variants_reorder_level(org, warehouse, other_warehouse):
    variant = VariantFactory(organization=org, sku="OVR-1", reorder_level=5)
    put_stock(variant, warehouse, 4)  # below the variant's 5, but the override says 2: not low
    put_stock(variant, other_warehouse, 8)  # above the variant's 5, but the override says 10: low
    StockLevel.objects.filter(warehouse=warehouse).update(reorder_level_override=2, reorder_level=2)
    StockLevel.objects.filter(warehouse=other_warehouse).update(reorder_level_override=10, reorder_level=10)

    low_stock_job_run(now=DAY)

    [alert] = LowStockAlert.objects.all()
    assert alert.level == level_of(variant, other_warehouse)
    assert alert.reorder_level_at_open == 10


def test_an_override_of_zero_makes_only_an_empty_level_low(org, warehouse):
    variant = VariantFactory(organization=org, sku="OVR-0", reorder_level=5)
    put_stock(variant, warehouse, 1)
    StockLevel.objects.filter(variant=variant).update(reorder_level_override=0, reorder_level=0)

    low_stock_job_run(now=DAY)
    assert not LowStockAlert.objects.exists()

    take_stock(variant, warehouse, 1)
    low_stock_job_run(now=DAY + timedelta(hours=1))
    assert LowStockAlert.objects.filter(closed_at__isnull=True).count() == 1


def test_lowering_the_override_below_the_quantity_closes_the_alert(variant, warehouse):
    put_stock(variant, warehouse, 4)
    low_stock_job_run(now=DAY)

    StockLevel.objects.filter(variant=variant).update(reorder_level_override=3, reorder_level=3)
    result = low_stock_job_run(now=DAY + timedelta(hours=1))

    assert result.closed == 1
    assert not LowStockAlert.objects.filter(closed_at__isnull=True).exists()


# --- Digests --------------------------------------------------------------------------------------------------------


@pytest.fixture
def annex_manager(org, other_warehouse):
    return UserFactory(organization=org, username="annex_manager", role=Role.MANAGER, warehouses=[other_warehouse])


@pytest.fixture
def low_in_both(variant, variant_b, warehouse, other_warehouse):
    """TEA-GREEN low in Main (3 ≤ 5), TEA-BLACK low in Annex (0 ≤ 0 after a sale), TEA-BLACK fine in Main."""
    put_stock(variant, warehouse, 3)
    put_stock(variant_b, other_warehouse, 2)
    take_stock(variant_b, other_warehouse, 2)
    put_stock(variant_b, warehouse, 7)


def test_each_manager_gets_one_digest_of_their_own_warehouses_and_each_admin_one_of_the_organization(
    admin, manager, annex_manager, staff, viewer, low_in_both
):
    result = low_stock_job_run(now=DAY)

    assert result.sent == 3
    assert sorted(message.to[0] for message in mail.outbox) == [
        "admin@example.com",
        "annex_manager@example.com",
        "manager@example.com",
    ]
    main, annex, everything = (
        mail_to("manager@example.com"),
        mail_to("annex_manager@example.com"),
        mail_to("admin@example.com"),
    )
    assert main.subject == "Low stock on 2026-03-02: 1 level in Main"
    assert annex.subject == "Low stock on 2026-03-02: 1 level in Annex"
    assert everything.subject == "Low stock on 2026-03-02: 2 levels in Acme"
    assert "TEA-GREEN" in main.body and "TEA-BLACK" not in main.body
    assert "TEA-BLACK" in annex.body and "TEA-GREEN" not in annex.body
    assert "TEA-GREEN" in everything.body and "TEA-BLACK" in everything.body
    assert "TEA-BLACK" not in html_of(main) and "TEA-GREEN" in html_of(main)


def test_a_manager_of_two_warehouses_gets_one_digest_listing_both_most_urgent_first(
    org, warehouse, other_warehouse, low_in_both
):
    UserFactory(organization=org, username="both", role=Role.MANAGER, warehouses=[warehouse, other_warehouse])

    low_stock_job_run(now=DAY)

    message = mail_to("both@example.com")
    assert message.subject == "Low stock on 2026-03-02: 2 levels in Annex, Main"
    # TEA-GREEN is 2 below its reorder level, TEA-BLACK 0: the furthest below comes first.
    assert message.body.index("TEA-GREEN") < message.body.index("TEA-BLACK")


def test_a_manager_with_nothing_low_in_their_warehouses_gets_no_email(
    admin, manager, variant, other_warehouse, warehouse
):
    put_stock(variant, other_warehouse, 1)  # low, but not in the manager's warehouse
    put_stock(variant, warehouse, 50)

    low_stock_job_run(now=DAY)

    assert [message.to for message in mail.outbox] == [["admin@example.com"]]
    assert not LowStockDigest.objects.filter(recipient=manager).exists()


def test_nobody_gets_an_email_when_nothing_is_low(admin, manager, variant, warehouse):
    put_stock(variant, warehouse, 50)

    result = low_stock_job_run(now=DAY)

    assert result.sent == 0 and mail.outbox == []
    assert not LowStockDigest.objects.exists()


def test_staff_viewers_dismissed_pending_and_addressless_users_get_nothing(org, warehouse, low_in_both):
    UserFactory(organization=org, username="dismissed", role=Role.ADMIN, status="dismissed", is_active=False)
    UserFactory(organization=org, username="pending", role=Role.MANAGER, status="pending", warehouses=[warehouse])
    UserFactory(organization=org, username="nomail", role=Role.ADMIN, email="")
    UserFactory(organization=org, username="clerk", role=Role.STAFF, warehouses=[warehouse])
    UserFactory(organization=org, username="reader", role=Role.VIEWER, warehouses=[warehouse])

    result = low_stock_job_run(now=DAY)

    assert result.sent == 0 and mail.outbox == []


def test_no_digest_is_sent_twice_on_one_day_but_the_next_day_brings_a_new_one(admin, manager, low_in_both):
    first = low_stock_job_run(now=DAY)
    second = low_stock_job_run(now=DAY + timedelta(hours=23, minutes=59))
    assert (first.sent, second.sent, second.already_sent) == (2, 0, 2)
    assert len(mail.outbox) == 2

    next_day = low_stock_job_run(now=DAY + timedelta(days=1))

    assert next_day.sent == 2 and len(mail.outbox) == 4
    assert set(LowStockDigest.objects.values_list("state", flat=True)) == {LowStockDigestState.SENT}
    assert LowStockDigest.objects.filter(recipient=admin).count() == 2


def test_the_delivery_log_records_who_got_what(admin, low_in_both):
    low_stock_job_run(now=DAY)

    [digest] = LowStockDigest.objects.all()
    assert digest.recipient == admin and digest.email == "admin@example.com"
    assert digest.day == DAY.date() and digest.alert_count == 2
    assert digest.state == LowStockDigestState.SENT and digest.sent_at is not None
    assert digest.subject == mail.outbox[0].subject


def test_a_digest_claimed_by_an_interrupted_run_is_not_sent_again(admin, manager, low_in_both):
    LowStockDigest.objects.create(
        organization=admin.organization,
        recipient=admin,
        day=DAY.date(),
        email=admin.email,
        subject="claimed",
        alert_count=2,
        claimed_at=DAY,
    )

    result = low_stock_job_run(now=DAY + timedelta(hours=1))

    assert result.in_flight == 1 and result.sent == 1
    assert [message.to for message in mail.outbox] == [["manager@example.com"]]


def test_digests_never_list_another_organizations_levels(
    admin, other_admin, other_org, foreign_variant, foreign_warehouse, low_in_both
):
    put_stock(foreign_variant, foreign_warehouse, 1)
    take_stock(foreign_variant, foreign_warehouse, 1)  # GX-1 at 0: low in Globex
    UserFactory(organization=other_org, username="gx_manager", role=Role.MANAGER, warehouses=[foreign_warehouse])

    low_stock_job_run(now=DAY)

    ours, theirs, their_manager = (
        mail_to("admin@example.com"),
        mail_to("other_admin@example.com"),
        mail_to("gx_manager@example.com"),
    )
    assert "GX-1" not in ours.body and "TEA-GREEN" in ours.body
    assert theirs.subject == "Low stock on 2026-03-02: 1 level in Globex"
    assert "GX-1" in theirs.body and "TEA-" not in theirs.body
    assert "GX-1" in their_manager.body and "TEA-" not in their_manager.body


def test_a_digest_has_a_plain_text_and_an_escaped_html_part(org, admin, warehouse):
    variant = VariantFactory(organization=org, sku="TAG-1", product__name="<b>Bold</b> & co", reorder_level=1)
    put_stock(variant, warehouse, 1)

    low_stock_job_run(now=DAY)

    [message] = mail.outbox
    assert "TAG-1  <b>Bold</b> & co  @ Main: 1 on hand, reorder level 1 (low since 2026-03-02)" in message.body
    html = html_of(message)
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in html and "<b>Bold</b>" not in html


def test_a_long_digest_lists_the_most_urgent_levels_and_counts_the_rest(org, admin, warehouse, monkeypatch):
    monkeypatch.setattr(alerts, "DIGEST_MAX_LINES", 2)
    variants = [VariantFactory(organization=org, sku=f"MANY-{n}", reorder_level=10) for n in range(3)]
    stock_add(
        organization_id=org.pk,
        changes=[StockChange(v.pk, warehouse.pk, 5 + n) for n, v in enumerate(variants)],
        reason=Reason.OPENING,
    )

    low_stock_job_run(now=DAY)

    [message] = mail.outbox
    assert message.subject == "Low stock on 2026-03-02: 3 levels in Acme"
    assert "MANY-0" in message.body and "MANY-1" in message.body and "MANY-2" not in message.body
    assert "and 1 more" in message.body and "and 1 more" in html_of(message)


def test_a_long_digest_over_several_warehouses_lists_the_most_urgent_of_all_and_counts_every_level(
    org, admin, warehouse, other_warehouse, monkeypatch
):
    monkeypatch.setattr(alerts, "DIGEST_MAX_LINES", 2)
    shortfalls = {warehouse: [5, 4, 3], other_warehouse: [9, 1]}  # units below a reorder level of 10
    for place, below in shortfalls.items():
        variants = [VariantFactory(organization=org, sku=f"{place.code}-{n}", reorder_level=10) for n in below]
        stock_add(
            organization_id=org.pk,
            changes=[StockChange(v.pk, place.pk, 10 - n) for v, n in zip(variants, below, strict=True)],
            reason=Reason.OPENING,
        )

    result = low_stock_job_run(now=DAY)

    [message] = mail.outbox
    assert result.open_alerts == 5
    assert message.subject == "Low stock on 2026-03-02: 5 levels in Acme"
    listed = [line.split()[1] for line in message.body.splitlines() if line.startswith("- ")]
    assert listed == ["ANNEX-9", "MAIN-5"]
    assert "and 3 more" in message.body


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


# --- Admin ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def site_client(client, org):
    client.force_login(UserFactory(organization=org, role=Role.ADMIN, is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["lowstockalert", "lowstockdigest"])
def test_the_alert_and_digest_changelists_render_search_and_filter(site_client, admin, low_in_both, model):
    low_stock_job_run(now=DAY)
    url = reverse(f"admin:stock_{model}_changelist")

    listed = site_client.get(url)
    searched = site_client.get(url, {"q": "TEA-GREEN" if model == "lowstockalert" else "admin"})

    assert listed.status_code == 200 and listed.context["cl"].result_count >= 1
    assert searched.status_code == 200 and searched.context["cl"].result_count == 1


def test_only_a_pending_digest_can_be_deleted_in_the_admin(site_client, admin, manager, low_in_both):
    low_stock_job_run(now=DAY)
    sent = LowStockDigest.objects.get(recipient=admin)
    LowStockDigest.objects.filter(recipient=manager).update(state=LowStockDigestState.PENDING)
    pending = LowStockDigest.objects.get(recipient=manager)

    refused = site_client.post(reverse("admin:stock_lowstockdigest_delete", args=[sent.pk]), {"post": "yes"})
    deleted = site_client.post(reverse("admin:stock_lowstockdigest_delete", args=[pending.pk]), {"post": "yes"})

    assert refused.status_code == 403 and deleted.status_code == 302
    assert LowStockDigest.objects.filter(pk=sent.pk).exists()
    assert not LowStockDigest.objects.filter(pk=pending.pk).exists()


# --- Scale ----------------------------------------------------------------------------------------------------------


def _low_levels(org, warehouse, count, prefix):
    """`count` variants at 1 unit in `warehouse` with reorder level 10, stocked in one ledger call."""
    variants = VariantFactory.create_batch(
        count, organization=org, reorder_level=10, sku=factory.Sequence(lambda n: f"{prefix}-{n:05d}")
    )
    stock_add(
        organization_id=org.pk,
        changes=[StockChange(v.pk, warehouse.pk, 1) for v in variants],
        reason=Reason.OPENING,
    )


def test_the_number_of_queries_does_not_grow_with_the_number_of_levels(org, admin, manager, warehouse):
    _low_levels(org, warehouse, 3, "FEW")
    with CaptureQueriesContext(connection) as few:
        low_stock_job_run(now=DAY)

    _low_levels(org, warehouse, 60, "MANY")
    StockLevel.objects.filter(variant__sku__startswith="FEW").update(
        reorder_level_override=0, reorder_level=0
    )  # 3 to close
    with CaptureQueriesContext(connection) as many:
        result = low_stock_job_run(now=DAY + timedelta(days=1))

    assert (result.opened, result.closed, result.sent) == (60, 3, 2)
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Two runs at once (PostgreSQL) ----------------------------------------------------------------------------------


def _run_twice_at_once():
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(low_stock_job_run(now=DAY))
        except Exception as error:  # noqa: BLE001 - reported by the caller
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_open_each_alert_once_and_send_each_digest_once(org, warehouse, other_warehouse):
    UserFactory(organization=org, username="boss", role=Role.ADMIN)
    UserFactory(organization=org, username="main_mgr", role=Role.MANAGER, warehouses=[warehouse])
    UserFactory(organization=org, username="annex_mgr", role=Role.MANAGER, warehouses=[other_warehouse])
    for place in (warehouse, other_warehouse, WarehouseFactory(organization=org)):
        _low_levels(org, place, 20, f"C{place.pk}")

    for _ in range(5):
        mail.outbox.clear()
        LowStockDigest.objects.all().delete()
        LowStockAlert.objects.all().delete()

        results, errors = _run_twice_at_once()

        assert errors == []
        assert sum(result.opened for result in results) == 60
        assert sum(result.sent for result in results) == 3
        assert LowStockAlert.objects.filter(closed_at__isnull=True).count() == 60
        assert sorted(message.to[0] for message in mail.outbox) == [
            "annex_mgr@example.com",
            "boss@example.com",
            "main_mgr@example.com",
        ]
