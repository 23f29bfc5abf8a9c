"""A real Celery worker, on the real Redis broker, e-mails the low-stock digests to a real SMTP server.

The worker and the SMTP server are the fixtures of `tests/celery_worker.py`. Skipped without REDIS_URL.
"""

import threading

import pytest
from celery import states

from core.roles import Role
from stock.models import LowStockDigest, LowStockDigestState
from stock.tasks import send_low_stock_alerts
from tests.catalog.factories import VariantFactory
from tests.celery_worker import needs_redis
from tests.stock.helpers import put_stock
from tests.users.factories import UserFactory

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    needs_redis,
]


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
