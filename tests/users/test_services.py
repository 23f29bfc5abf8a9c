from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from core.exceptions import (
    AccountPending,
    AuthenticationRefused,
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotPermitted,
)
from core.roles import Role
from tests.users.factories import PASSWORD, PromotionRequestFactory, UserFactory
from users import services
from users.models import Organization, PromotionRequestStatus, UserStatus
from users.tasks import flush_expired_tokens

pytestmark = pytest.mark.django_db

STRONG = "plum-Orchard-91-kite"


def test_register_with_an_organization_name_makes_its_first_admin():
    user = services.user_register(username="ann", email="ann@example.com", password=STRONG, organization_name="Zed")

    assert user.organization.name == "Zed"
    assert (user.role, user.status, user.is_active) == (Role.ADMIN, UserStatus.ACTIVE, True)
    assert user.check_password(STRONG)
    assert not user.is_staff  # the Django admin site spans organizations: not for tenant admins


def test_register_with_a_join_code_makes_a_pending_viewer(org):
    user = services.user_register(username="ann", email="ann@example.com", password=STRONG, join_code=org.join_code)

    assert (user.organization, user.role, user.status) == (org, Role.VIEWER, UserStatus.PENDING)
    assert Organization.objects.count() == 1


def test_register_rolls_back_the_new_organization_when_the_username_is_taken(staff):
    with pytest.raises(InvalidInput):
        services.user_register(username="staff", email="s@example.com", password=STRONG, organization_name="Zed")

    assert not Organization.objects.filter(name="Zed").exists()


def test_login_of_a_pending_user_raises_account_pending(org):
    UserFactory(organization=org, username="newbie", status=UserStatus.PENDING)

    with pytest.raises(AccountPending):
        services.user_login(username="newbie", password=PASSWORD)


def test_login_of_a_dismissed_user_fails_even_if_is_active_was_left_on(org):
    # Belt and braces: status alone is enough to refuse.
    UserFactory(organization=org, username="gone", status=UserStatus.DISMISSED, is_active=True)

    with pytest.raises(AuthenticationRefused):
        services.user_login(username="gone", password=PASSWORD)


def test_dismiss_blacklists_every_outstanding_refresh_token(admin, staff):
    for _ in range(3):
        services.user_tokens_issue(user=staff)
    services.user_tokens_issue(user=admin)

    services.user_dismiss(user=staff, by=admin)

    assert OutstandingToken.objects.filter(user=staff).count() == 3
    assert BlacklistedToken.objects.filter(token__user=staff).count() == 3
    assert not BlacklistedToken.objects.filter(token__user=admin).exists()
    staff.refresh_from_db()
    assert (staff.status, staff.is_active) == (UserStatus.DISMISSED, False)


def test_revoking_tokens_twice_blacklists_nothing_new(staff):
    services.user_tokens_issue(user=staff)

    assert services.user_tokens_revoke(user=staff) == 1
    assert services.user_tokens_revoke(user=staff) == 0


def test_an_organization_keeps_at_least_one_active_admin(org, admin):
    second = UserFactory(organization=org, role=Role.ADMIN)

    services.user_update(user=second, by=admin, role=Role.STAFF)
    with pytest.raises(Conflict):
        services.user_update(user=admin, by=admin, role=Role.STAFF)

    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_an_admin_may_dismiss_another_admin(org, admin):
    second = UserFactory(organization=org, role=Role.ADMIN)

    services.user_dismiss(user=second, by=admin)

    second.refresh_from_db()
    assert second.status == UserStatus.DISMISSED


def test_a_manager_without_warehouses_cannot_approve(org):
    manager = UserFactory(organization=org, role=Role.MANAGER)
    pending = UserFactory(organization=org, role=Role.VIEWER, status=UserStatus.PENDING)

    with pytest.raises(NotPermitted):
        services.user_approve(user=pending, by=manager)

    pending.refresh_from_db()
    assert pending.status == UserStatus.PENDING


def test_a_manager_may_approve_into_a_subset_of_their_warehouses(org, warehouse, other_warehouse):
    manager = UserFactory(organization=org, role=Role.MANAGER, warehouses=[warehouse, other_warehouse])
    pending = UserFactory(organization=org, role=Role.VIEWER, status=UserStatus.PENDING)

    services.user_approve(user=pending, by=manager, role=Role.STAFF, warehouses=[other_warehouse])

    assert list(pending.warehouses.all()) == [other_warehouse]


def test_reinstating_needs_a_dismissed_user(admin, staff):
    with pytest.raises(InvalidTransition):
        services.user_reinstate(user=staff, by=admin)


def test_approving_a_promotion_of_someone_dismissed_meanwhile_is_409_and_changes_nothing(org, admin, staff, manager):
    promotion_request = PromotionRequestFactory(organization=org, user=staff, requested_by=manager)
    services.user_dismiss(user=staff, by=admin)

    with pytest.raises(Conflict):
        services.promotion_request_approve(promotion_request=promotion_request, by=admin)

    promotion_request.refresh_from_db()
    staff.refresh_from_db()
    assert promotion_request.status == PromotionRequestStatus.PENDING
    assert staff.role == Role.STAFF


def test_a_dismissed_staff_member_cannot_be_proposed(admin, manager, staff):
    services.user_dismiss(user=staff, by=admin)

    with pytest.raises(InvalidInput):
        services.promotion_request_create(user=staff, by=manager, reason="")


def test_rotating_the_join_code_changes_it(org, admin):
    old = org.join_code

    services.organization_rotate_join_code(organization=org, by=admin)

    org.refresh_from_db()
    assert org.join_code != old
    assert len(org.join_code) >= 12


def test_flush_expired_tokens_deletes_only_expired_ones(staff):
    services.user_tokens_issue(user=staff)
    services.user_tokens_issue(user=staff)
    expired = OutstandingToken.objects.filter(user=staff).first()
    OutstandingToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))

    flush_expired_tokens.apply()

    assert list(OutstandingToken.objects.filter(user=staff).exclude(pk=expired.pk)) == list(
        OutstandingToken.objects.filter(user=staff)
    )
    assert OutstandingToken.objects.filter(user=staff).count() == 1
