from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Product, Variant
from core.roles import Role
from stock.models import Reason
from stock.services import StockChange, stock_add
from tests.users.factories import UserFactory
from tests.warehouses.factories import WarehouseFactory
from users.models import UserStatus
from warehouses.models import Warehouse

pytestmark = pytest.mark.django_db

WAREHOUSES = reverse("warehouses:warehouse-list")


def detail(warehouse):
    return reverse("warehouses:warehouse-detail", args=[warehouse.pk])


def _error(response, status, code):
    body = response.json()
    assert response.status_code == status, body
    assert (body["status"], body["code"]) == (status, code)
    return body


def _with_stock_history(warehouse, by):
    product = Product.objects.create(organization=warehouse.organization, name="Bolt")
    variant = Variant.objects.create(
        organization=warehouse.organization, product=product, sku="BOLT-1", price=Decimal("1.00")
    )
    stock_add(
        organization_id=warehouse.organization_id,
        changes=[StockChange(variant.pk, warehouse.pk, 5)],
        reason=Reason.OPENING,
        by=by,
    )


# --- Read ---------------------------------------------------------------------------------------------------------


def test_list_shows_the_fields_with_managers_and_staff_count(viewer_client, org, warehouse, manager, staff):
    UserFactory(organization=org, role=Role.STAFF, warehouses=[warehouse], username="staff2")
    UserFactory(organization=org, role=Role.STAFF, warehouses=[warehouse], is_active=False, status="dismissed")
    UserFactory(organization=org, role=Role.MANAGER, warehouses=[warehouse], username="boss", is_active=False)

    response = viewer_client.get(WAREHOUSES)

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert set(row) >= {"id", "name", "code", "address", "is_active", "managers", "staff_count", "created_at"}
    assert (row["id"], row["name"], row["code"], row["is_active"]) == (warehouse.pk, "Main", "MAIN", True)
    assert row["managers"] == [{"id": manager.pk, "username": "manager"}]
    assert row["staff_count"] == 2


def test_warehouses_need_authentication(api_client, warehouse):
    _error(api_client.get(WAREHOUSES), 401, "not_authenticated")


def test_another_organizations_warehouse_is_invisible_and_404(admin_client, warehouse, foreign_warehouse):
    ids = [row["id"] for row in admin_client.get(WAREHOUSES).json()["results"]]

    assert ids == [warehouse.pk]
    _error(admin_client.get(detail(foreign_warehouse)), 404, "not_found")
    _error(admin_client.patch(detail(foreign_warehouse), {"name": "Mine"}), 404, "not_found")
    _error(admin_client.delete(detail(foreign_warehouse)), 404, "not_found")
    assert Warehouse.objects.filter(pk=foreign_warehouse.pk, name="Globex Main").exists()


def test_warehouses_are_filtered_searched_and_ordered(manager_client, org, warehouse, other_warehouse):
    closed = WarehouseFactory(organization=org, name="Old depot", code="OLD", is_active=False, address="Dock 9")

    def ids(params):
        return [row["id"] for row in manager_client.get(WAREHOUSES, params).json()["results"]]

    assert ids({"is_active": "false"}) == [closed.pk]
    assert ids({"mine": "true"}) == [warehouse.pk]
    assert ids({"search": "dock"}) == [closed.pk]
    assert ids({"ordering": "-code"}) == [closed.pk, warehouse.pk, other_warehouse.pk]


def test_the_warehouses_list_runs_the_same_queries_for_5_and_100_rows(admin_client, org, django_assert_num_queries):
    for index in range(110):
        warehouse = WarehouseFactory(organization=org)
        UserFactory(organization=org, role=Role.MANAGER, warehouses=[warehouse])
        if index % 3 == 0:
            UserFactory(organization=org, role=Role.STAFF, warehouses=[warehouse])

    def count(page_size):
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(WAREHOUSES, {"page_size": page_size})
        assert response.status_code == 200
        rows = response.json()["results"]
        assert len(rows) == page_size
        assert all(len(row["managers"]) == 1 for row in rows)
        return len(captured)

    small, large = count(5), count(100)
    assert small == large
    with django_assert_num_queries(small):
        admin_client.get(WAREHOUSES, {"page_size": 100})


# --- Create -------------------------------------------------------------------------------------------------------


def test_admin_creates_a_warehouse(admin_client, org):
    response = admin_client.post(WAREHOUSES, {"name": "North", "code": "NORTH", "address": "1 North Rd"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["code"], body["is_active"], body["managers"], body["staff_count"]) == (
        "North",
        "NORTH",
        True,
        [],
        0,
    )
    assert Warehouse.objects.get(pk=body["id"]).organization == org


def test_a_code_already_used_in_the_organization_is_400_keyed_code(admin_client, warehouse):
    body = _error(admin_client.post(WAREHOUSES, {"name": "Again", "code": "MAIN"}), 400, "validation_error")

    assert "code" in body["errors"]
    assert Warehouse.objects.filter(code="MAIN").count() == 1


def test_the_same_code_in_another_organization_is_fine(admin_client, foreign_warehouse):
    assert admin_client.post(WAREHOUSES, {"name": "Mine", "code": foreign_warehouse.code}).status_code == 201


@pytest.mark.parametrize("client_fixture", ["manager_client", "staff_client", "viewer_client"])
def test_only_admins_create_warehouses(request, client_fixture, warehouse):
    client = request.getfixturevalue(client_fixture)

    _error(client.post(WAREHOUSES, {"name": "North", "code": "NORTH"}), 403, "permission_denied")
    assert not Warehouse.objects.filter(code="NORTH").exists()


# --- Update -------------------------------------------------------------------------------------------------------


def test_admin_updates_any_warehouse(admin_client, other_warehouse):
    response = admin_client.patch(detail(other_warehouse), {"address": "2 Side St", "is_active": False})

    assert response.status_code == 200, response.content
    assert (response.json()["address"], response.json()["is_active"]) == ("2 Side St", False)


def test_manager_updates_an_own_warehouse(manager_client, warehouse, manager):
    response = manager_client.patch(detail(warehouse), {"name": "Main Hall"})

    assert response.status_code == 200, response.content
    assert response.json()["managers"] == [{"id": manager.pk, "username": "manager"}]
    warehouse.refresh_from_db()
    assert warehouse.name == "Main Hall"


def test_manager_cannot_update_a_warehouse_not_assigned_to_them(manager_client, other_warehouse):
    _error(manager_client.patch(detail(other_warehouse), {"name": "Taken"}), 403, "permission_denied")
    other_warehouse.refresh_from_db()
    assert other_warehouse.name == "Annex"


def test_staff_cannot_update_even_their_own_warehouse(staff_client, warehouse):
    _error(staff_client.patch(detail(warehouse), {"name": "Mine"}), 403, "permission_denied")


def test_renaming_the_code_to_a_taken_one_is_400(admin_client, warehouse, other_warehouse):
    body = _error(admin_client.patch(detail(other_warehouse), {"code": "MAIN"}), 400, "validation_error")

    assert "code" in body["errors"]


def test_keeping_the_same_code_on_update_is_fine(admin_client, warehouse):
    assert admin_client.put(detail(warehouse), {"name": "Main", "code": "MAIN"}).status_code == 200


# --- Delete -------------------------------------------------------------------------------------------------------


def test_admin_deletes_a_warehouse_without_history(admin_client, other_warehouse, org):
    user = UserFactory(organization=org, warehouses=[other_warehouse])

    assert admin_client.delete(detail(other_warehouse)).status_code == 204
    assert not Warehouse.objects.filter(pk=other_warehouse.pk).exists()
    assert not user.warehouses.exists()


def test_a_warehouse_with_stock_history_cannot_be_deleted(admin_client, admin, warehouse):
    _with_stock_history(warehouse, admin)

    body = _error(admin_client.delete(detail(warehouse)), 409, "protected")

    assert body["detail"]
    assert Warehouse.objects.filter(pk=warehouse.pk).exists()


@pytest.mark.parametrize("client_fixture", ["manager_client", "staff_client"])
def test_only_admins_delete_warehouses(request, client_fixture, warehouse):
    client = request.getfixturevalue(client_fixture)

    _error(client.delete(detail(warehouse)), 403, "permission_denied")
    assert Warehouse.objects.filter(pk=warehouse.pk).exists()


def test_dismissed_staff_are_not_counted(admin_client, org, warehouse, admin):
    member = UserFactory(organization=org, role=Role.STAFF, warehouses=[warehouse])
    assert admin_client.get(detail(warehouse)).json()["staff_count"] == 1

    admin_client.post(reverse("users:user-dismiss", args=[member.pk]))

    member.refresh_from_db()
    assert member.status == UserStatus.DISMISSED
    assert admin_client.get(detail(warehouse)).json()["staff_count"] == 0
