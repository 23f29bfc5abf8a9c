import pytest
from django.contrib.admin.sites import site
from django.urls import reverse
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from core.roles import Role
from tests.users.factories import PASSWORD, PromotionRequestFactory, UserFactory
from users.models import User, UserStatus
from users.services import user_tokens_issue
from users.throttles import LoginAddressRateThrottle

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:users_user_changelist",
        "admin:users_organization_changelist",
        "admin:users_promotionrequest_changelist",
        "admin:warehouses_warehouse_changelist",
        "admin:users_user_add",
    ],
)
def test_admin_pages_render(site_client, org, manager, staff, url_name):
    PromotionRequestFactory(organization=org, user=staff, requested_by=manager)

    response = site_client.get(reverse(url_name), {"q": "a"} if url_name.endswith("changelist") else None)

    assert response.status_code == 200


def test_admin_user_change_page_renders(site_client, manager):
    assert site_client.get(reverse("admin:users_user_change", args=[manager.pk])).status_code == 200


def test_admin_action_approves_only_pending_users(site_client, org, staff):
    pending = UserFactory(organization=org, status=UserStatus.PENDING, role=Role.VIEWER)

    response = site_client.post(
        reverse("admin:users_user_changelist"),
        {"action": "approve_selected", "_selected_action": [pending.pk, staff.pk]},
        follow=True,
    )

    assert response.status_code == 200
    pending.refresh_from_db()
    assert (pending.status, pending.is_active) == (UserStatus.ACTIVE, True)
    assert "Approved 1 pending user" in response.content.decode()


class _Form:
    def __init__(self, changed):
        self.changed_data = changed


def test_unticking_active_in_the_admin_dismisses_and_revokes_tokens(staff, rf):
    user_tokens_issue(user=staff)
    model_admin = site._registry[User]
    staff.is_active = False

    model_admin.save_model(rf.post("/"), staff, _Form(["is_active"]), change=True)

    staff.refresh_from_db()
    assert (staff.status, staff.is_active) == (UserStatus.DISMISSED, False)
    assert not OutstandingToken.objects.filter(user=staff, blacklistedtoken__isnull=True).exists()


def test_setting_status_dismissed_in_the_admin_deactivates(staff, rf):
    staff.status = UserStatus.DISMISSED

    site._registry[User].save_model(rf.post("/"), staff, _Form(["status"]), change=True)

    staff.refresh_from_db()
    assert staff.is_active is False


# --- The admin's login form is throttled like the API's --------------------------------------------------------------


@pytest.fixture
def site_admin(admin):
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    return admin


def _admin_login(client, username, password):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


def test_the_admin_login_is_throttled_per_username(client, site_admin):
    for _ in range(10):
        assert _admin_login(client, site_admin.username, "wrong").status_code == 200  # the form again, with an error

    response = _admin_login(client, site_admin.username, PASSWORD)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    assert client.get("/api/users/me/").status_code in (401, 403)


def test_admin_and_api_logins_share_one_count_per_username(client, api_client, site_admin):
    for _ in range(5):
        _admin_login(client, site_admin.username, "wrong")
        api_client.post("/api/auth/login/", {"username": site_admin.username, "password": "wrong"})

    assert _admin_login(client, site_admin.username, PASSWORD).status_code == 429
    api_login = api_client.post("/api/auth/login/", {"username": site_admin.username, "password": PASSWORD})
    assert api_login.status_code == 429


def test_the_admin_login_is_throttled_per_address(client, site_admin, monkeypatch):
    monkeypatch.setitem(LoginAddressRateThrottle.THROTTLE_RATES, "login_address", "3/min")
    for index in range(3):
        _admin_login(client, f"someone-{index}", "wrong")

    assert _admin_login(client, site_admin.username, PASSWORD).status_code == 429


def test_a_right_admin_login_under_the_limits_logs_in(client, site_admin):
    response = _admin_login(client, site_admin.username, PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(site_admin.pk)
