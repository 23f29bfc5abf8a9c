import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from core.roles import Role
from tests.users.conftest import png_bytes
from tests.users.factories import PASSWORD, UserFactory
from users.models import Organization, User, UserStatus

pytestmark = pytest.mark.django_db

REGISTER = reverse("users:auth-register")
LOGIN = reverse("users:auth-login")
REFRESH = reverse("users:auth-refresh")
LOGOUT = reverse("users:auth-logout")
ME = reverse("users:user-me")
ME_PASSWORD = reverse("users:user-me-password")
STRONG = "plum-Orchard-91-kite"


def _error(response, status, code):
    body = response.json()
    assert response.status_code == status, body
    assert body["status"] == status
    assert body["code"] == code
    assert body["detail"]
    return body


# --- Register -----------------------------------------------------------------------------------------------------


def test_register_with_an_organization_name_creates_the_organization_with_an_active_admin_and_tokens(
    api_client, bearer
):
    payload = {"username": "alice", "email": "alice@example.com", "password": STRONG, "organization_name": "Acme"}

    response = api_client.post(REGISTER, payload)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["user"]["username"] == "alice"
    assert body["user"]["role"] == "admin"
    assert body["user"]["status"] == "active"
    assert body["user"]["organization"]["name"] == "Acme"
    organization = Organization.objects.get(name="Acme")
    assert User.objects.get(username="alice").organization == organization
    me = bearer(body["access"]).get(ME)
    assert me.status_code == 200
    assert me.json()["username"] == "alice"


def test_register_with_a_join_code_creates_a_pending_viewer_without_tokens(api_client, org):
    payload = {
        "username": "bob",
        "email": "bob@example.com",
        "password": STRONG,
        "phone": "+44 20 7946 0000",
        "join_code": org.join_code,
    }

    response = api_client.post(REGISTER, payload)

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"user"}
    assert body["user"]["status"] == "pending"
    assert body["user"]["role"] == "viewer"
    assert body["user"]["phone"] == "+44 20 7946 0000"
    user = User.objects.get(username="bob")
    assert (user.organization, user.status, user.role) == (org, UserStatus.PENDING, Role.VIEWER)


def test_register_with_an_unknown_join_code_is_rejected(api_client, db):
    response = api_client.post(
        REGISTER, {"username": "bob", "email": "bob@example.com", "password": STRONG, "join_code": "nope"}
    )

    body = _error(response, 400, "validation_error")
    assert "join_code" in body["errors"]
    assert not User.objects.filter(username="bob").exists()


@pytest.mark.parametrize(
    "extra",
    [{}, {"organization_name": "Acme", "join_code": "whatever"}],
    ids=["neither", "both"],
)
def test_register_needs_exactly_one_of_organization_name_and_join_code(api_client, db, extra):
    response = api_client.post(REGISTER, {"username": "bob", "email": "bob@example.com", "password": STRONG, **extra})

    _error(response, 400, "validation_error")
    assert not User.objects.filter(username="bob").exists()
    assert not Organization.objects.exists()


@pytest.mark.parametrize("password", ["short1", "password", "1234567890123", "alice1234"])
def test_register_with_a_weak_password_is_rejected_and_creates_nothing(api_client, db, password):
    payload = {"username": "alice", "email": "alice@example.com", "password": password, "organization_name": "Acme"}

    response = api_client.post(REGISTER, payload)

    body = _error(response, 400, "validation_error")
    assert "password" in body["errors"]
    assert not User.objects.filter(username="alice").exists()
    assert not Organization.objects.exists()


def test_register_with_a_taken_username_is_rejected(api_client, admin):
    response = api_client.post(
        REGISTER, {"username": "admin", "email": "x@example.com", "password": STRONG, "organization_name": "X"}
    )

    body = _error(response, 400, "validation_error")
    assert "username" in body["errors"]


# --- Login --------------------------------------------------------------------------------------------------------


def test_login_returns_tokens_and_the_profile(login, staff, bearer):
    response = login("staff")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["access"] and body["refresh"]
    assert body["user"]["id"] == staff.pk
    assert body["user"]["role"] == "staff"
    assert bearer(body["access"]).get(ME).status_code == 200
    staff.refresh_from_db()
    assert staff.last_login is not None


def test_login_with_a_wrong_password_is_401(login, staff):
    _error(login("staff", "wrong-password"), 401, "authentication_failed")


def test_login_of_an_unknown_user_is_401(login, db):
    _error(login("nobody"), 401, "authentication_failed")


def test_refused_credentials_answer_with_the_challenge_and_the_reason(login, tokens_for, bearer, staff, manager):
    refused = login("staff", "wrong-password")
    foreign = bearer(tokens_for(staff)["access"]).post(LOGOUT, {"refresh": tokens_for(manager)["refresh"]})

    assert refused.json() == {
        "status": 401,
        "code": "authentication_failed",
        "detail": "No active account found with the given credentials.",
    }
    assert foreign.json() == {
        "status": 401,
        "code": "authentication_failed",
        "detail": "This refresh token does not belong to you.",
    }
    assert refused["WWW-Authenticate"] == foreign["WWW-Authenticate"] == 'Bearer realm="api"'


def test_login_of_a_pending_user_with_the_right_password_is_403_account_pending(login, org):
    UserFactory(organization=org, username="newbie", status=UserStatus.PENDING, role=Role.VIEWER)

    _error(login("newbie"), 403, "account_pending")


def test_login_of_a_pending_user_with_a_wrong_password_is_401(login, org):
    UserFactory(organization=org, username="newbie", status=UserStatus.PENDING, role=Role.VIEWER)

    _error(login("newbie", "wrong-password"), 401, "authentication_failed")


def test_a_dismissed_users_access_token_stops_working_at_once_and_they_cannot_log_in(
    login, tokens_for, bearer, admin_client, staff
):
    tokens = tokens_for(staff)
    assert bearer(tokens["access"]).get(ME).status_code == 200

    dismissed = admin_client.post(reverse("users:user-dismiss", args=[staff.pk]))
    assert dismissed.status_code == 200, dismissed.content

    _error(bearer(tokens["access"]).get(ME), 401, "authentication_failed")
    _error(login("staff"), 401, "authentication_failed")


def test_a_dismissed_users_refresh_token_is_refused(tokens_for, api_client, admin_client, staff):
    tokens = tokens_for(staff)

    admin_client.post(reverse("users:user-dismiss", args=[staff.pk]))

    _error(api_client.post(REFRESH, {"refresh": tokens["refresh"]}), 401, "authentication_failed")


def test_login_is_throttled_per_username_after_ten_attempts(login, staff, manager):
    for _ in range(10):
        assert login("staff", "wrong-password").status_code == 401

    response = login("staff", PASSWORD)

    body = _error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert body["retry_after"] > 0
    # Another username is not affected.
    assert login("manager").status_code == 200


def test_the_login_throttle_ignores_the_case_of_the_username(login, staff):
    for index in range(10):
        login("STAFF" if index % 2 else "staff", "wrong-password")

    _error(login("Staff"), 429, "throttled")


# --- Refresh and logout -------------------------------------------------------------------------------------------


def test_refresh_rotates_and_the_old_refresh_token_is_refused(tokens_for, api_client, bearer, staff):
    tokens = tokens_for(staff)

    response = api_client.post(REFRESH, {"refresh": tokens["refresh"]})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["access"] and body["refresh"] and body["refresh"] != tokens["refresh"]
    assert bearer(body["access"]).get(ME).status_code == 200
    _error(api_client.post(REFRESH, {"refresh": tokens["refresh"]}), 401, "authentication_failed")
    assert api_client.post(REFRESH, {"refresh": body["refresh"]}).status_code == 200


def test_refresh_with_garbage_is_401(api_client, db):
    _error(api_client.post(REFRESH, {"refresh": "not-a-token"}), 401, "authentication_failed")


def test_logout_blacklists_the_refresh_token(tokens_for, bearer, api_client, staff):
    tokens = tokens_for(staff)
    client = bearer(tokens["access"])

    response = client.post(LOGOUT, {"refresh": tokens["refresh"]})

    assert response.status_code == 204, response.content
    _error(api_client.post(REFRESH, {"refresh": tokens["refresh"]}), 401, "authentication_failed")
    _error(client.post(LOGOUT, {"refresh": tokens["refresh"]}), 401, "authentication_failed")


def test_logout_needs_authentication(tokens_for, api_client, staff):
    tokens = tokens_for(staff)

    _error(api_client.post(LOGOUT, {"refresh": tokens["refresh"]}), 401, "not_authenticated")
    assert not BlacklistedToken.objects.exists()


def test_logout_refuses_someone_elses_refresh_token(tokens_for, bearer, api_client, staff, manager):
    staff_tokens = tokens_for(staff)
    manager_tokens = tokens_for(manager)

    response = bearer(staff_tokens["access"]).post(LOGOUT, {"refresh": manager_tokens["refresh"]})

    _error(response, 401, "authentication_failed")
    assert api_client.post(REFRESH, {"refresh": manager_tokens["refresh"]}).status_code == 200


# --- Own profile --------------------------------------------------------------------------------------------------


def test_me_shows_the_profile_of_the_caller(client_for, manager, warehouse, org):
    response = client_for(manager).get(ME)

    assert response.status_code == 200
    body = response.json()
    expected = {"id", "username", "email", "first_name", "last_name", "phone", "avatar", "role", "status"}
    assert expected | {"organization", "warehouses"} <= set(body)
    assert body["organization"] == {"id": org.pk, "name": org.name}
    assert body["warehouses"] == [warehouse.pk]
    assert body["role"] == "manager"


def test_me_needs_authentication(api_client):
    _error(api_client.get(ME), 401, "not_authenticated")


def test_me_patch_updates_own_details_but_not_role_or_warehouses(client_for, staff, other_warehouse):
    response = client_for(staff).patch(
        ME, {"first_name": "Sam", "phone": "555", "role": "admin", "warehouses": [other_warehouse.pk]}
    )

    assert response.status_code == 200, response.content
    staff.refresh_from_db()
    assert (staff.first_name, staff.phone, staff.role) == ("Sam", "555", Role.STAFF)
    assert list(staff.warehouses.values_list("pk", flat=True)) != [other_warehouse.pk]


def test_me_accepts_an_image_avatar(client_for, staff):
    upload = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")

    response = client_for(staff).patch(ME, {"avatar": upload}, format="multipart")

    assert response.status_code == 200, response.content
    assert response.json()["avatar"].endswith(".png")
    staff.refresh_from_db()
    assert staff.avatar.name.startswith("avatars/")


def test_me_rejects_a_non_image_avatar(client_for, staff):
    upload = SimpleUploadedFile("me.png", b"%PDF-1.4 definitely not an image", content_type="image/png")

    response = client_for(staff).patch(ME, {"avatar": upload}, format="multipart")

    body = _error(response, 400, "validation_error")
    assert "avatar" in body["errors"]
    staff.refresh_from_db()
    assert not staff.avatar


def test_me_rejects_an_avatar_of_more_pixels_than_the_limit(client_for, staff, settings):
    settings.AVATAR_MAX_PIXELS = 32 * 32
    upload = SimpleUploadedFile("big.png", png_bytes(size=(40, 30)), content_type="image/png")

    response = client_for(staff).patch(ME, {"avatar": upload}, format="multipart")

    body = _error(response, 400, "validation_error")
    assert "AVATAR_MAX_PIXELS" in body["errors"]["avatar"][0]
    staff.refresh_from_db()
    assert not staff.avatar


def test_me_rejects_an_avatar_over_the_size_limit(client_for, staff, settings):
    settings.AVATAR_MAX_BYTES = 200
    upload = SimpleUploadedFile("big.png", png_bytes((200, 200)), content_type="image/png")

    response = client_for(staff).patch(ME, {"avatar": upload}, format="multipart")

    body = _error(response, 400, "validation_error")
    assert "avatar" in body["errors"]


def test_me_avatar_can_be_removed(client_for, staff):
    client = client_for(staff)
    client.patch(
        ME, {"avatar": SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")}, format="multipart"
    )

    response = client.patch(ME, {"avatar": None})

    assert response.status_code == 200, response.content
    assert response.json()["avatar"] is None
    staff.refresh_from_db()
    assert not staff.avatar


def test_change_password_then_log_in_with_the_new_one(client_for, staff, login):
    response = client_for(staff).post(ME_PASSWORD, {"old_password": PASSWORD, "new_password": STRONG})

    assert response.status_code == 204, response.content
    assert login("staff", STRONG).status_code == 200
    assert login("staff", PASSWORD).status_code == 401


def test_change_password_revokes_every_refresh_token_of_the_user(client_for, tokens_for, api_client, staff, manager):
    phone, laptop, other_user = tokens_for(staff), tokens_for(staff), tokens_for(manager)

    client_for(staff).post(ME_PASSWORD, {"old_password": PASSWORD, "new_password": STRONG})

    for tokens in (phone, laptop):
        _error(api_client.post(REFRESH, {"refresh": tokens["refresh"]}), 401, "authentication_failed")
    assert api_client.post(REFRESH, {"refresh": other_user["refresh"]}).status_code == 200


def test_change_password_with_a_wrong_old_password_is_400(client_for, staff):
    response = client_for(staff).post(ME_PASSWORD, {"old_password": "wrong", "new_password": STRONG})

    body = _error(response, 400, "validation_error")
    assert "old_password" in body["errors"]
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


def test_change_password_to_a_weak_one_is_400(client_for, staff):
    response = client_for(staff).post(ME_PASSWORD, {"old_password": PASSWORD, "new_password": "123"})

    body = _error(response, 400, "validation_error")
    assert "new_password" in body["errors"]
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)
