import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from core.roles import Role
from tests.users.factories import UserFactory
from tests.warehouses.factories import WarehouseFactory
from users.models import User, UserStatus

pytestmark = pytest.mark.django_db

USERS = reverse("users:user-list")
ROLES = reverse("users:role-list")
ORGANIZATION = reverse("users:organization-detail")
ROTATE = reverse("users:organization-rotate-join-code")
STRONG = "plum-Orchard-91-kite"


def detail(user):
    return reverse("users:user-detail", args=[user.pk])


def approve(user):
    return reverse("users:user-approve", args=[user.pk])


def dismiss(user):
    return reverse("users:user-dismiss", args=[user.pk])


def demote(user):
    return reverse("users:user-demote", args=[user.pk])


def usernames(response):
    assert response.status_code == 200, response.content
    return {row["username"] for row in response.json()["results"]}


def _error(response, status, code):
    body = response.json()
    assert response.status_code == status, body
    assert (body["status"], body["code"]) == (status, code)
    return body


@pytest.fixture
def pending(org):
    return UserFactory(organization=org, username="pending", role=Role.VIEWER, status=UserStatus.PENDING)


@pytest.fixture
def annex_staff(org, other_warehouse):
    return UserFactory(organization=org, username="annex_staff", role=Role.STAFF, warehouses=[other_warehouse])


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
