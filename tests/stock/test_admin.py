"""The Django admin shows stock, filters it, and cannot change a quantity or a movement."""

import pytest
from django.urls import reverse

from stock.models import StockLevel, StockMovement
from stock.services import TransferLine, stock_adjustment_create, transfer_request
from tests.stock.helpers import on_hand, put_stock
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_client(client, org):
    client.force_login(UserFactory(organization=org, role="admin", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def stocked(admin, variant, warehouse, other_warehouse):
    stock_adjustment_create(by=admin, variant=variant, warehouse=warehouse, quantity=12, reason="opening")
    return transfer_request(
        by=admin,
        source_warehouse=warehouse,
        destination_warehouse=other_warehouse,
        items=[TransferLine(variant, 2)],
    )


@pytest.mark.parametrize("model", ["stocklevel", "stockmovement", "stockadjustment", "transfer"])
def test_every_stock_changelist_renders_searches_and_filters(site_client, stocked, warehouse, model):
    url = reverse(f"admin:stock_{model}_changelist")

    listed = site_client.get(url)
    searched = site_client.get(url, {"q": "TEA-GREEN"})
    filtered = site_client.get(url, {"organization__id__exact": warehouse.organization_id})

    assert listed.status_code == 200
    assert searched.status_code == 200 and searched.context["cl"].result_count == 1
    assert filtered.status_code == 200


def test_a_level_page_shows_the_quantity_read_only(site_client, stocked, variant, warehouse):
    level = StockLevel.objects.get(variant=variant, warehouse=warehouse)

    page = site_client.get(reverse("admin:stock_stocklevel_change", args=[level.pk]))

    assert page.status_code == 200
    assert list(page.context["adminform"].form.fields) == ["reorder_level_override"]
    assert "quantity" in page.context["adminform"].readonly_fields


def test_saving_a_level_changes_only_the_override_even_with_a_quantity_posted(
    site_client, stocked, variant, warehouse
):
    level = StockLevel.objects.get(variant=variant, warehouse=warehouse)
    url = reverse("admin:stock_stocklevel_change", args=[level.pk])
    page = site_client.get(url)  # the form is read now ...
    put_stock(variant, warehouse, 5)  # ... stock moves before it is saved

    response = site_client.post(url, {"reorder_level_override": "3", "quantity": "999"})

    assert page.status_code == 200
    assert response.status_code == 302
    level.refresh_from_db()
    assert (level.reorder_level_override, level.quantity) == (3, 17)
    assert on_hand(variant, warehouse) == 17


def test_levels_cannot_be_added_or_deleted_in_the_admin(site_client, stocked, variant, warehouse):
    level = StockLevel.objects.get(variant=variant, warehouse=warehouse)

    assert site_client.get(reverse("admin:stock_stocklevel_add")).status_code == 403
    assert (
        site_client.post(reverse("admin:stock_stocklevel_delete", args=[level.pk]), {"post": "yes"}).status_code == 403
    )
    assert StockLevel.objects.filter(pk=level.pk).exists()


def test_movements_are_view_only_in_the_admin(site_client, stocked):
    movement = StockMovement.objects.get()
    change_url = reverse("admin:stock_stockmovement_change", args=[movement.pk])

    page = site_client.get(change_url)
    posted = site_client.post(change_url, {"quantity": "99", "balance_after": "99"})
    deleted = site_client.post(reverse("admin:stock_stockmovement_delete", args=[movement.pk]), {"post": "yes"})
    added = site_client.get(reverse("admin:stock_stockmovement_add"))

    assert page.status_code == 200 and page.context["adminform"].form.fields == {}
    assert (posted.status_code, deleted.status_code, added.status_code) == (403, 403, 403)
    movement.refresh_from_db()
    assert (movement.quantity, movement.balance_after) == (12, 12)


def test_a_transfer_shows_its_items_inline_read_only(site_client, stocked):
    page = site_client.get(reverse("admin:stock_transfer_change", args=[stocked.pk]))

    assert page.status_code == 200
    assert page.context["adminform"].form.fields == {}
    inline = page.context["inline_admin_formsets"][0]
    assert not (inline.has_add_permission or inline.has_change_permission or inline.has_delete_permission)
    assert "TEA-GREEN" in page.content.decode()
