"""The Django admin lists reservations and lets nobody add, change or delete one (the ledger owns them)."""

import pytest
from django.urls import reverse

from stock.models import StockLevel, StockReservation
from stock.services import Reference, ReservationLine, stock_reserve
from tests.stock.helpers import put_stock
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_client(client, org):
    client.force_login(UserFactory(organization=org, role="admin", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def reservation(org, variant, warehouse):
    put_stock(variant, warehouse, 3)
    lines = [ReservationLine(line_id=7, variant_id=variant.pk, quantity=5)]
    stock_reserve(
        organization_id=org.pk,
        warehouse_id=warehouse.pk,
        lines=lines,
        reference=Reference("sales_order", 1),
        number="SO-00001",
    )
    return StockReservation.objects.get(line_id=7)


def test_the_changelist_shows_reservations_searches_and_filters(site_client, reservation, warehouse):
    url = reverse("admin:stock_stockreservation_changelist")

    listed = site_client.get(url)
    searched = site_client.get(url, {"q": "SO-00001"})
    by_sku = site_client.get(url, {"q": "TEA-GREEN"})
    filtered = site_client.get(url, {"level__warehouse__id__exact": warehouse.pk})

    assert listed.status_code == 200 and listed.context["cl"].result_count == 1
    assert b"TEA-GREEN" in listed.content and b"SO-00001" in listed.content
    assert searched.context["cl"].result_count == by_sku.context["cl"].result_count == 1
    assert filtered.status_code == 200 and filtered.context["cl"].result_count == 1


def test_a_reservation_is_read_only(site_client, reservation):
    change = reverse("admin:stock_stockreservation_change", args=[reservation.pk])
    delete = reverse("admin:stock_stockreservation_delete", args=[reservation.pk])

    page = site_client.get(change)
    posted = site_client.post(change, {"quantity": 0, "requested": 0})
    deleting = site_client.post(delete, {"post": "yes"})

    assert page.status_code == 200  # viewable ...
    assert not page.context["has_change_permission"] and not page.context["has_delete_permission"]
    assert site_client.get(reverse("admin:stock_stockreservation_add")).status_code == 403
    assert posted.status_code == 403 and deleting.status_code == 403  # ... but never changed
    reservation.refresh_from_db()
    assert (reservation.quantity, reservation.requested) == (3, 5)
    assert StockLevel.objects.get(pk=reservation.level_id).reserved == 3
