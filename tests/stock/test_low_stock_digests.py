"""The low-stock job e-mails each manager a daily digest of their warehouses, each admin one of the organization."""

from datetime import timedelta

import pytest
from django.core import mail

from core.roles import Role
from stock import alerts
from stock.alerts import low_stock_job_run
from stock.models import LowStockDigest, LowStockDigestState, Reason
from stock.services import StockChange, stock_add
from tests.catalog.factories import VariantFactory
from tests.stock.helpers import put_stock
from tests.stock.low_stock import DAY, html_of, mail_to, take_stock
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- Digests --------------------------------------------------------------------------------------------------------


@pytest.fixture
def annex_manager(org, other_warehouse):
    return UserFactory(organization=org, username="annex_manager", role=Role.MANAGER, warehouses=[other_warehouse])


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
