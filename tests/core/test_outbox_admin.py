"""The outbox in the admin: listed and filtered by state, never added, changed or deleted by hand."""

import pytest
from django.db import transaction
from django.urls import reverse

from core.models import OutboxEvent
from core.outbox import outbox_emit, outbox_handler, outbox_process
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:core_outboxevent_changelist")


@outbox_handler("test.admin_refused")
def _refuse(event):
    raise ConnectionError("the mail server is down")


@outbox_handler("test.admin_done")
def _done(event):
    pass


@pytest.fixture
def site_client(client, org):
    client.force_login(UserFactory(organization=org, role="admin", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def events(settings, org):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    with transaction.atomic():
        failed = outbox_emit(event_type="test.admin_refused", payload={}, organization_id=org.pk)
        done = outbox_emit(event_type="test.admin_done", payload={}, organization_id=org.pk)
    outbox_process()
    pending = OutboxEvent.objects.create(event_type="test.admin_done", payload={}, organization_id=org.pk)
    return {"failed": failed, "processed": done, "pending": pending}


@pytest.mark.parametrize("state", ["failed", "processed", "pending"])
def test_the_changelist_filters_events_by_state(site_client, events, state):
    response = site_client.get(CHANGELIST, {"state": state})

    assert response.status_code == 200
    assert [event.pk for event in response.context["cl"].result_list] == [events[state].pk]


def test_the_last_error_is_shown_and_nothing_can_be_changed(site_client, events):
    failed = events["failed"]
    listed = site_client.get(CHANGELIST)
    detail = site_client.get(reverse("admin:core_outboxevent_change", args=[failed.pk]))
    added = site_client.get(reverse("admin:core_outboxevent_add"))
    deleted = site_client.post(reverse("admin:core_outboxevent_delete", args=[failed.pk]), {"post": "yes"})

    assert "ConnectionError: the mail server is down" in listed.content.decode()
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    assert added.status_code == 403 and deleted.status_code == 403
    assert OutboxEvent.objects.filter(pk=failed.pk).exists()
