"""The low-stock alerts and digests in the admin site."""

import pytest
from django.urls import reverse

from core.roles import Role
from stock.alerts import low_stock_job_run
from stock.models import LowStockDigest, LowStockDigestState
from tests.stock.low_stock import DAY
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


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
