import pytest
from django.urls import reverse

from purchases.models import PurchaseOrder
from tests.purchases.ledger import on_hand
from tests.users.factories import UserFactory


@pytest.fixture
def site_client(client, org):
    client.force_login(UserFactory(organization=org, role="admin", is_staff=True, is_superuser=True))
    return client


def test_the_changelist_and_search_render(site_client, make_order, variant):
    order = make_order([(variant, 2, "1.00")])
    url = reverse("admin:purchases_purchaseorder_changelist")

    listed = site_client.get(url)
    searched = site_client.get(url, {"q": order.number})

    assert listed.status_code == 200 and order.number in listed.content.decode()
    assert searched.status_code == 200 and order.number in searched.content.decode()


def test_a_draft_is_editable_with_its_items_inline(site_client, make_order, variant):
    order = make_order([(variant, 2, "1.00")])

    page = site_client.get(reverse("admin:purchases_purchaseorder_change", args=[order.pk]))

    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "supplier" in form.fields and "notes" in form.fields
    inline = page.context["inline_admin_formsets"][0]
    assert inline.has_add_permission and inline.has_change_permission


def test_an_order_that_left_draft_is_read_only_in_the_admin(site_client, make_order, variant):
    order = make_order([(variant, 2, "1.00")], status="received")

    page = site_client.get(reverse("admin:purchases_purchaseorder_change", args=[order.pk]))

    assert page.status_code == 200
    assert page.context["adminform"].form.fields == {}
    inline = page.context["inline_admin_formsets"][0]
    assert not (inline.has_add_permission or inline.has_change_permission or inline.has_delete_permission)


def test_adding_an_order_in_the_admin_gives_it_the_next_number(
    site_client, org, supplier, warehouse, make_order, variant
):
    make_order([(variant, 2, "1.00")])

    response = site_client.post(
        reverse("admin:purchases_purchaseorder_add"),
        {
            "organization": org.pk,
            "supplier": supplier.pk,
            "warehouse": warehouse.pk,
            "notes": "",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-0-variant": variant.pk,
            "items-0-quantity_ordered": "3",
            "items-0-unit_cost": "1.50",
        },
    )

    assert response.status_code == 302, response.context["errors"] if response.context else response
    added = PurchaseOrder.objects.latest("id")
    assert added.number == "PO-00002" and added.status == "draft"
    assert added.items.get().quantity_ordered == 3


def test_the_receive_action_goes_through_the_service(site_client, make_order, variant, warehouse):
    order = make_order([(variant, 4, "1.00")], status="submitted")

    response = site_client.post(
        reverse("admin:purchases_purchaseorder_changelist"),
        {"action": "receive_orders", "_selected_action": [order.pk]},
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "received"
    assert on_hand(variant, warehouse) == 4
