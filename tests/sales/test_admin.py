import pytest
from django.urls import reverse

from core.roles import Role
from sales import services
from sales.models import SalesOrderStatus
from sales.services import OrderLine
from tests.sales.conftest import level
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_admin(org):
    return UserFactory(organization=org, username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def browser(client, site_admin):
    client.force_login(site_admin)
    return client


@pytest.fixture
def pending(viewer, warehouse, mug):
    return services.sales_order_create(by=viewer, warehouse=warehouse, lines=[OrderLine(mug, 2)])


@pytest.fixture
def fulfilled(staff, warehouse, mug, shelve):
    shelve(mug, warehouse, 10)
    return services.sales_order_create(by=staff, warehouse=warehouse, lines=[OrderLine(mug, 3)])


def test_the_changelist_shows_orders_with_their_totals(browser, pending, fulfilled):
    response = browser.get(reverse("admin:sales_salesorder_changelist"))

    assert response.status_code == 200
    assert pending.number.encode() in response.content and fulfilled.number.encode() in response.content
    assert b"37.50" in response.content  # 3 mugs at 12.50


def test_a_pending_order_and_its_lines_are_editable(browser, pending):
    response = browser.get(reverse("admin:sales_salesorder_change", args=[pending.pk]))

    assert response.status_code == 200
    assert b'name="customer_name"' in response.content
    assert b'name="items-0-quantity"' in response.content


def test_an_order_that_left_pending_is_read_only(browser, fulfilled):
    response = browser.get(reverse("admin:sales_salesorder_change", args=[fulfilled.pk]))

    assert response.status_code == 200
    assert b'name="customer_name"' not in response.content
    assert b'name="items-0-quantity"' not in response.content


def test_orders_are_not_added_through_the_admin(browser):
    assert browser.get(reverse("admin:sales_salesorder_add")).status_code == 403


def test_the_fulfil_action_goes_through_the_service(browser, pending, warehouse, mug, shelve):
    shelve(mug, warehouse, 5)

    response = browser.post(
        reverse("admin:sales_salesorder_changelist"),
        {"action": "fulfil_selected", "_selected_action": [pending.pk]},
        follow=True,
    )

    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == SalesOrderStatus.FULFILLED
    assert level(mug, warehouse) == 3


def test_a_failing_action_reports_why_and_changes_nothing(browser, fulfilled, warehouse, mug):
    response = browser.post(
        reverse("admin:sales_salesorder_changelist"),
        {"action": "fulfil_selected", "_selected_action": [fulfilled.pk]},
        follow=True,
    )

    assert b"cannot become fulfilled" in response.content
    assert level(mug, warehouse) == 7
