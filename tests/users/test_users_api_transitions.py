"""`/api/users/{id}/approve|dismiss|demote/`: who may move a user between states, and into which warehouses."""

import pytest

from core.roles import Role
from tests.users.factories import UserFactory
from tests.users.user_api import (
    _error,
    approve,
    demote,
    dismiss,
)
from users.models import UserStatus

pytestmark = pytest.mark.django_db


# --- Approve ------------------------------------------------------------------------------------------------------


def test_admin_approves_a_pending_user_with_role_and_warehouses(admin_client, pending, other_warehouse, login):
    response = admin_client.post(approve(pending), {"role": "staff", "warehouses": [other_warehouse.pk]})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["role"], body["warehouses"]) == ("active", "staff", [other_warehouse.pk])
    assert login("pending").status_code == 200


def test_approving_without_a_body_keeps_the_role(admin_client, pending):
    response = admin_client.post(approve(pending))

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["role"]) == ("active", "viewer")


def test_approving_a_user_who_is_not_pending_is_409(admin_client, staff):
    _error(admin_client.post(approve(staff)), 409, "invalid_transition")


def test_manager_approves_a_pending_user_into_an_own_warehouse(manager_client, pending, warehouse):
    response = manager_client.post(approve(pending), {"role": "staff", "warehouses": [warehouse.pk]})

    assert response.status_code == 200, response.content
    pending.refresh_from_db()
    assert (pending.status, pending.role) == (UserStatus.ACTIVE, Role.STAFF)
    assert list(pending.warehouses.all()) == [warehouse]


def test_manager_approving_without_warehouses_assigns_their_own(manager_client, pending, warehouse):
    assert manager_client.post(approve(pending)).status_code == 200

    assert list(pending.warehouses.all()) == [warehouse]


def test_manager_cannot_approve_into_a_warehouse_not_assigned_to_them(manager_client, pending, other_warehouse):
    response = manager_client.post(approve(pending), {"role": "staff", "warehouses": [other_warehouse.pk]})

    _error(response, 403, "permission_denied")
    pending.refresh_from_db()
    assert pending.status == UserStatus.PENDING
    assert not pending.warehouses.exists()


def test_manager_cannot_approve_someone_as_manager(manager_client, pending, warehouse):
    response = manager_client.post(approve(pending), {"role": "manager", "warehouses": [warehouse.pk]})

    _error(response, 403, "permission_denied")
    pending.refresh_from_db()
    assert pending.status == UserStatus.PENDING


@pytest.mark.parametrize("role", [Role.STAFF, Role.VIEWER])
def test_staff_and_viewers_cannot_approve(client_for, org, warehouse, pending, role):
    user = UserFactory(organization=org, role=role, warehouses=[warehouse])

    _error(client_for(user).post(approve(pending)), 403, "permission_denied")


def test_approving_into_another_organizations_warehouse_is_400(admin_client, pending, foreign_warehouse):
    body = _error(admin_client.post(approve(pending), {"warehouses": [foreign_warehouse.pk]}), 400, "validation_error")

    assert "warehouses" in body["errors"]


# --- Dismiss ------------------------------------------------------------------------------------------------------


def test_admin_dismisses_a_user(admin_client, manager):
    response = admin_client.post(dismiss(manager))

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["is_active"]) == ("dismissed", False)
    manager.refresh_from_db()
    assert (manager.status, manager.is_active) == (UserStatus.DISMISSED, False)


def test_dismissing_a_dismissed_user_is_409(admin_client, staff):
    admin_client.post(dismiss(staff))

    _error(admin_client.post(dismiss(staff)), 409, "invalid_transition")


def test_an_admin_cannot_dismiss_themselves(admin_client, admin):
    _error(admin_client.post(dismiss(admin)), 409, "conflict")
    admin.refresh_from_db()
    assert admin.is_active


def test_manager_dismisses_staff_of_an_own_warehouse(manager_client, staff):
    assert manager_client.post(dismiss(staff)).status_code == 200
    staff.refresh_from_db()
    assert staff.status == UserStatus.DISMISSED


def test_manager_rejects_a_pending_registration_by_dismissing_it(manager_client, pending):
    assert manager_client.post(dismiss(pending)).status_code == 200
    pending.refresh_from_db()
    assert pending.status == UserStatus.DISMISSED


def test_manager_cannot_dismiss_staff_of_another_warehouse(manager_client, annex_staff):
    _error(manager_client.post(dismiss(annex_staff)), 403, "permission_denied")
    annex_staff.refresh_from_db()
    assert annex_staff.is_active


def test_manager_cannot_dismiss_another_manager_of_the_same_warehouse(manager_client, org, warehouse):
    peer = UserFactory(organization=org, role=Role.MANAGER, warehouses=[warehouse])

    _error(manager_client.post(dismiss(peer)), 403, "permission_denied")


def test_staff_cannot_dismiss(staff_client, viewer):
    _error(staff_client.post(dismiss(viewer)), 403, "permission_denied")


# --- Demote -------------------------------------------------------------------------------------------------------


def test_admin_demotes_a_manager_to_staff(admin_client, manager):
    response = admin_client.post(demote(manager))

    assert response.status_code == 200, response.content
    assert response.json()["role"] == "staff"
    manager.refresh_from_db()
    assert manager.role == Role.STAFF


def test_demoting_someone_who_is_not_a_manager_is_409(admin_client, staff):
    _error(admin_client.post(demote(staff)), 409, "invalid_transition")


def test_a_manager_cannot_demote(manager_client, org, warehouse):
    peer = UserFactory(organization=org, role=Role.MANAGER, warehouses=[warehouse])

    _error(manager_client.post(demote(peer)), 403, "permission_denied")
    peer.refresh_from_db()
    assert peer.role == Role.MANAGER
