"""`/api/roles/` and `/api/organization/`: the capability matrix, the organization and its join code."""

import pytest
from django.urls import reverse

from core.roles import Role
from tests.users.factories import UserFactory
from tests.users.user_api import (
    ORGANIZATION,
    ROLES,
    ROTATE,
    STRONG,
    _error,
    detail,
)
from tests.warehouses.factories import WarehouseFactory

pytestmark = pytest.mark.django_db


# --- Roles --------------------------------------------------------------------------------------------------------


def test_roles_lists_the_capability_matrix(viewer_client):
    response = viewer_client.get(ROLES)

    assert response.status_code == 200
    body = response.json()
    assert [row["role"] for row in body] == ["admin", "manager", "staff", "viewer"]
    assert body[0]["label"] == "Admin"
    assert all(isinstance(c, str) for row in body for c in row["capabilities"])
    assert "user management: list, create, update, set role and warehouses" in body[0]["capabilities"]


def test_roles_need_authentication(api_client, db):
    _error(api_client.get(ROLES), 401, "not_authenticated")


# --- Organization -------------------------------------------------------------------------------------------------


def test_admin_sees_the_join_code(admin_client, org):
    body = admin_client.get(ORGANIZATION).json()

    assert body["id"] == org.pk
    assert body["name"] == "Acme"
    assert body["join_code"] == org.join_code
    assert body["created_at"]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.STAFF, Role.VIEWER])
def test_others_do_not_see_the_join_code(client_for, org, role):
    user = UserFactory(organization=org, role=role)

    response = client_for(user).get(ORGANIZATION)

    assert response.status_code == 200
    assert response.json()["name"] == "Acme"
    assert response.json()["join_code"] is None


def test_admin_renames_the_organization(admin_client, org):
    response = admin_client.patch(ORGANIZATION, {"name": "Acme Ltd", "join_code": "ignored"})

    assert response.status_code == 200, response.content
    org.refresh_from_db()
    assert org.name == "Acme Ltd"
    assert org.join_code != "ignored"


def test_manager_cannot_rename_the_organization(manager_client, org):
    _error(manager_client.patch(ORGANIZATION, {"name": "Mine"}), 403, "permission_denied")
    org.refresh_from_db()
    assert org.name == "Acme"


def test_rotating_the_join_code_retires_the_old_one(admin_client, org, api_client):
    old = org.join_code

    response = admin_client.post(ROTATE)

    assert response.status_code == 200, response.content
    new = response.json()["join_code"]
    assert new and new != old
    register = {"username": "late", "email": "late@example.com", "password": STRONG}
    _error(api_client.post(reverse("users:auth-register"), {**register, "join_code": old}), 400, "validation_error")
    assert api_client.post(reverse("users:auth-register"), {**register, "join_code": new}).status_code == 201


def test_manager_cannot_rotate_the_join_code(manager_client, org):
    old = org.join_code

    _error(manager_client.post(ROTATE), 403, "permission_denied")
    org.refresh_from_db()
    assert org.join_code == old


def test_organization_is_per_caller(client_for, other_admin, org):
    body = client_for(other_admin).get(ORGANIZATION).json()

    assert body["name"] == "Globex"
    assert body["join_code"] != org.join_code


def test_a_warehouse_created_for_another_org_is_not_assignable(admin_client, staff, other_org):
    foreign = WarehouseFactory(organization=other_org)

    _error(admin_client.patch(detail(staff), {"warehouses": [foreign.pk]}), 400, "validation_error")
