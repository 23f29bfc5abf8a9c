"""`/api/users/`: listing, retrieving, creating and updating users (never deleting them)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from core.roles import Role
from tests.users.factories import UserFactory
from tests.users.user_api import (
    STRONG,
    USERS,
    _error,
    detail,
    dismiss,
    usernames,
)
from users.models import User, UserStatus

pytestmark = pytest.mark.django_db


# --- List and retrieve --------------------------------------------------------------------------------------------


def test_admin_lists_every_user_of_the_organization_and_nobody_else(
    admin_client, admin, manager, staff, viewer, annex_staff, pending, other_admin
):
    response = admin_client.get(USERS)

    assert usernames(response) == {"admin", "manager", "staff", "viewer", "annex_staff", "pending"}
    row = next(r for r in response.json()["results"] if r["username"] == "manager")
    assert row["organization"] == {"id": admin.organization_id, "name": "Acme"}
    assert row["warehouses"] == [manager.warehouses.get().pk]
    assert row["is_active"] is True
    assert "password" not in row


def test_manager_lists_users_of_own_warehouses_and_pending_registrations(
    manager_client, admin, manager, staff, viewer, annex_staff, pending
):
    assert usernames(manager_client.get(USERS)) == {"manager", "staff", "viewer", "pending"}


@pytest.mark.parametrize("role", [Role.STAFF, Role.VIEWER])
def test_staff_and_viewers_cannot_list_users(client_for, org, warehouse, role):
    user = UserFactory(organization=org, role=role, warehouses=[warehouse])

    _error(client_for(user).get(USERS), 403, "permission_denied")


def test_users_need_authentication(api_client, staff):
    _error(api_client.get(USERS), 401, "not_authenticated")


def test_users_are_filtered_by_role_status_and_warehouse(
    admin_client, manager, staff, annex_staff, pending, warehouse
):
    assert usernames(admin_client.get(USERS, {"role": "staff"})) == {"staff", "annex_staff"}
    assert usernames(admin_client.get(USERS, {"status": "pending"})) == {"pending"}
    assert usernames(admin_client.get(USERS, {"warehouse": warehouse.pk})) == {"manager", "staff"}


def test_users_are_searched_by_username_and_email(admin_client, org):
    UserFactory(organization=org, username="zelda", email="z@zora.example")
    UserFactory(organization=org, username="link", email="link@hyrule.example")

    assert usernames(admin_client.get(USERS, {"search": "zora"})) == {"zelda"}
    assert usernames(admin_client.get(USERS, {"search": "lin"})) == {"link"}


def test_another_organizations_user_is_404(admin_client, other_admin):
    _error(admin_client.get(detail(other_admin)), 404, "not_found")
    _error(admin_client.post(dismiss(other_admin)), 404, "not_found")
    other_admin.refresh_from_db()
    assert other_admin.is_active


def test_manager_retrieves_a_user_of_an_own_warehouse_but_not_one_of_another(manager_client, staff, annex_staff):
    assert manager_client.get(detail(staff)).status_code == 200
    _error(manager_client.get(detail(annex_staff)), 403, "permission_denied")


def test_the_users_list_runs_the_same_queries_for_5_and_100_rows(
    admin_client, org, warehouse, other_warehouse, django_assert_num_queries
):
    for index in range(120):
        UserFactory(organization=org, warehouses=[warehouse, other_warehouse] if index % 2 else [warehouse])

    def count(page_size):
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(USERS, {"page_size": page_size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == page_size
        return len(captured)

    small, large = count(5), count(100)
    assert small == large
    with django_assert_num_queries(small):
        admin_client.get(USERS, {"page_size": 100})


# --- Create, update, no delete ------------------------------------------------------------------------------------


def test_admin_creates_an_active_user_in_own_organization(admin_client, org, warehouse, login):
    payload = {
        "username": "carol",
        "email": "carol@example.com",
        "password": STRONG,
        "role": "staff",
        "warehouses": [warehouse.pk],
    }

    response = admin_client.post(USERS, payload)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["role"], body["status"], body["warehouses"]) == ("staff", "active", [warehouse.pk])
    assert "password" not in body
    carol = User.objects.get(username="carol")
    assert carol.organization == org
    assert login("carol", STRONG).status_code == 200


def test_creating_a_user_with_a_weak_password_is_400(admin_client, org):
    response = admin_client.post(USERS, {"username": "carol", "email": "c@example.com", "password": "123"})

    body = _error(response, 400, "validation_error")
    assert "password" in body["errors"]
    assert not User.objects.filter(username="carol").exists()


def test_creating_a_user_in_another_organizations_warehouse_is_400(admin_client, foreign_warehouse):
    payload = {"username": "carol", "password": STRONG, "warehouses": [foreign_warehouse.pk]}

    body = _error(admin_client.post(USERS, payload), 400, "validation_error")

    assert "warehouses" in body["errors"]
    assert not User.objects.filter(username="carol").exists()


def test_manager_cannot_create_users(manager_client):
    _error(manager_client.post(USERS, {"username": "carol", "password": STRONG}), 403, "permission_denied")


def test_admin_sets_role_and_warehouses(admin_client, staff, other_warehouse):
    response = admin_client.patch(detail(staff), {"role": "viewer", "warehouses": [other_warehouse.pk]})

    assert response.status_code == 200, response.content
    assert (response.json()["role"], response.json()["warehouses"]) == ("viewer", [other_warehouse.pk])
    staff.refresh_from_db()
    assert staff.role == Role.VIEWER
    assert list(staff.warehouses.all()) == [other_warehouse]


def test_manager_cannot_update_users(manager_client, staff):
    _error(manager_client.patch(detail(staff), {"role": "manager"}), 403, "permission_denied")
    staff.refresh_from_db()
    assert staff.role == Role.STAFF


def test_users_cannot_be_deleted(admin_client, staff):
    _error(admin_client.delete(detail(staff)), 405, "method_not_allowed")
    assert User.objects.filter(pk=staff.pk).exists()


def test_patching_is_active_false_dismisses_and_true_reinstates(admin_client, staff, tokens_for):
    tokens_for(staff)

    response = admin_client.patch(detail(staff), {"is_active": False})

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["is_active"]) == ("dismissed", False)
    assert not OutstandingToken.objects.filter(user=staff, blacklistedtoken__isnull=True).exists()

    response = admin_client.patch(detail(staff), {"is_active": True})

    assert (response.json()["status"], response.json()["is_active"]) == ("active", True)
    staff.refresh_from_db()
    assert (staff.status, staff.is_active) == (UserStatus.ACTIVE, True)


def test_the_last_admin_cannot_demote_themselves(admin_client, admin):
    _error(admin_client.patch(detail(admin), {"role": "staff"}), 409, "conflict")
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN
