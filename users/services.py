"""Every write on organizations, users and promotion requests, with the role rules of the contract.

Services take the acting user as `by` and enforce the "own warehouse" rules themselves (403), so every caller —
API, admin, commands — gets the same answer. State changes lock the affected row first.
"""

from collections.abc import Iterable, Sequence

from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.models import update_last_login
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from core.exceptions import (
    AccountPending,
    AuthenticationRefused,
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotPermitted,
)
from core.permissions import warehouse_ids_of
from core.roles import Role
from users.models import (
    Organization,
    PromotionRequest,
    PromotionRequestStatus,
    User,
    UserStatus,
    new_join_code,
)

# Roles a manager may hand out or act on (contract: "staff/viewer into/of own warehouses").
MANAGER_GRANTABLE_ROLES = frozenset({Role.STAFF, Role.VIEWER})

# --- Passwords and tokens -----------------------------------------------------------------------------------------


def _validate_password(password: str, *, user: User | None = None, field: str = "password") -> None:
    """Run Django's password validators; raise a 400 keyed by `field`."""
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise InvalidInput({field: list(exc.messages)}) from exc


def user_tokens_issue(*, user: User) -> dict[str, str]:
    """A new refresh/access pair; the refresh token is recorded as outstanding so it can be revoked."""
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def user_tokens_revoke(*, user: User) -> int:
    """Blacklist every outstanding refresh token of the user; returns how many were newly blacklisted.

    Access tokens cannot be blacklisted: callers also make the user inactive, which JWT authentication checks on
    every request.
    """
    open_tokens = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in open_tokens], ignore_conflicts=True
    )
    return len(created)


# --- Auth ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def user_register(
    *,
    username: str,
    email: str,
    password: str,
    phone: str = "",
    first_name: str = "",
    last_name: str = "",
    organization_name: str | None = None,
    join_code: str | None = None,
) -> User:
    """Register either the first admin of a new organization, or a pending viewer of an existing one.

    Exactly one of `organization_name` and `join_code` must be given. An unknown join code is a 400.
    """
    if bool(organization_name) == bool(join_code):
        raise InvalidInput({"non_field_errors": ["Give either organization_name or join_code, not both."]})
    user = User(username=username, email=email, phone=phone, first_name=first_name, last_name=last_name)
    _validate_password(password, user=user)

    if organization_name:
        user.organization = Organization.objects.create(name=organization_name)
        user.role = Role.ADMIN
        user.status = UserStatus.ACTIVE
    else:
        organization = Organization.objects.filter(join_code=join_code).first()
        if organization is None:
            raise InvalidInput({"join_code": ["No organization has this join code."]})
        user.organization = organization
        user.role = Role.VIEWER
        user.status = UserStatus.PENDING
    user.is_active = True  # pending users may authenticate; login answers account_pending until approved
    user.set_password(password)
    _save_new_user(user)
    return user


def _save_new_user(user: User) -> None:
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent registration took the username after validation
        raise InvalidInput({"username": ["A user with that username already exists."]}) from exc


def user_login(*, username: str, password: str, request=None) -> tuple[User, dict[str, str]]:
    """Check credentials and issue tokens.

    Raises 401 for wrong credentials and for dismissed (inactive) users, 403 `account_pending` for a pending user
    whose password is right.
    """
    user = authenticate(request, username=username, password=password)
    if user is None or user.status == UserStatus.DISMISSED:
        raise AuthenticationRefused("No active account found with the given credentials.")
    if user.status == UserStatus.PENDING:
        raise AccountPending()
    tokens = user_tokens_issue(user=user)
    update_last_login(None, user)
    return user, tokens


def user_logout(*, user: User, refresh: str) -> None:
    """Blacklist one refresh token of the user. A blacklisted, expired, malformed or foreign token → 401."""
    try:
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise AuthenticationRefused(str(exc)) from exc
    if str(token.payload.get(jwt_settings.USER_ID_CLAIM)) != str(user.pk):
        raise AuthenticationRefused("This refresh token does not belong to you.")
    token.blacklist()


@transaction.atomic
def user_password_change(*, user: User, old_password: str, new_password: str) -> User:
    """Set a new password and revoke every refresh token of the user (other devices must log in again)."""
    if not user.check_password(old_password):
        raise InvalidInput({"old_password": ["The current password is not correct."]})
    _validate_password(new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_tokens_revoke(user=user)
    return user


# --- Profile and user management ----------------------------------------------------------------------------------


def user_profile_update(*, user: User, **fields) -> User:
    """Update one's own profile (names, e-mail, phone, avatar)."""
    allowed = {"email", "first_name", "last_name", "phone", "avatar"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Not profile fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(user, name, value)
    user.save(update_fields=list(fields) or None)
    return user


@transaction.atomic
def user_create(
    *,
    organization: Organization,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    role: str = Role.VIEWER,
    warehouses: Sequence = (),
    is_active: bool = True,
) -> User:
    """Create a user directly in the organization (user management by an admin): active unless told otherwise."""
    user = User(
        organization=organization,
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        role=role,
        is_active=is_active,
        status=UserStatus.ACTIVE if is_active else UserStatus.DISMISSED,
    )
    _validate_password(password, user=user)
    user.set_password(password)
    _save_new_user(user)
    if warehouses:
        user.warehouses.set(warehouses)
    return user


@transaction.atomic
def user_update(*, user: User, by: User, **fields) -> User:
    """Admin update of a user. `is_active` drives `status`: False dismisses, True reinstates a dismissed user."""
    warehouses = fields.pop("warehouses", None)
    is_active = fields.pop("is_active", None)
    user = _locked(user, with_organization=True)
    if "role" in fields and fields["role"] != Role.ADMIN and user.role == Role.ADMIN:
        _ensure_another_admin_remains(user)
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()
    if warehouses is not None:
        user.warehouses.set(warehouses)
    if is_active is False and user.status != UserStatus.DISMISSED:
        user = user_dismiss(user=user, by=by)
    elif is_active is True and user.status == UserStatus.DISMISSED:
        user = user_reinstate(user=user, by=by)
    return user


def user_can_manage(*, manager: User, user: User) -> bool:
    """Whether a manager may act on `user`: a pending registrant, or a staff/viewer of one of their warehouses."""
    if user.status == UserStatus.PENDING:
        return user.role in MANAGER_GRANTABLE_ROLES
    if user.role not in MANAGER_GRANTABLE_ROLES:
        return False
    return bool(warehouse_ids_of(manager) & {w.pk for w in user.warehouses.all()})


@transaction.atomic
def user_approve(*, user: User, by: User, role: str | None = None, warehouses: Iterable | None = None) -> User:
    """Activate a pending user, optionally setting their role and warehouses.

    An admin may approve with any role into any warehouse of the organization. A manager may approve only as
    staff or viewer, only into their own warehouses (all of them when none are given); anything else is a 403.
    A user who is not pending → 409 `invalid_transition`.
    """
    user = _locked(user)
    if user.status != UserStatus.PENDING:
        raise InvalidTransition(f"Only a pending user can be approved; this user is {user.status}.")
    warehouses = list(warehouses) if warehouses is not None else None
    if by.role == Role.MANAGER:
        if role is not None and role not in MANAGER_GRANTABLE_ROLES:
            raise NotPermitted("A manager can approve users only as staff or viewer.")
        own = warehouse_ids_of(by)
        if warehouses is None:
            warehouses = sorted(own)
        if any(getattr(w, "pk", w) not in own for w in warehouses):
            raise NotPermitted("You can only approve users into warehouses assigned to you.")
        if not warehouses:
            raise NotPermitted("You have no warehouse to approve users into.")
    elif by.role != Role.ADMIN:
        raise NotPermitted("Your role does not allow approving users.")
    if role is not None:
        user.role = role
    user.status = UserStatus.ACTIVE
    user.is_active = True
    user.save(update_fields=["role", "status", "is_active"])
    if warehouses is not None:
        user.warehouses.set(warehouses)
    return user


@transaction.atomic
def user_dismiss(*, user: User, by: User) -> User:
    """Dismiss a user: they cannot log in, and their tokens stop working at once.

    Sets `status` dismissed and `is_active` False (JWT and session authentication check it on every request) and
    blacklists every outstanding refresh token. Admins dismiss anyone but themselves and the last active admin;
    managers only staff/viewers of their own warehouses (or pending registrants). Already dismissed → 409.
    """
    user = _locked(user, with_organization=True)
    if user.status == UserStatus.DISMISSED:
        raise InvalidTransition("This user is already dismissed.")
    if user.pk == by.pk:
        raise Conflict("You cannot dismiss yourself.")
    if by.role == Role.MANAGER:
        if not user_can_manage(manager=by, user=user):
            raise NotPermitted("Managers can dismiss only staff and viewers of their own warehouses.")
    elif by.role != Role.ADMIN:
        raise NotPermitted("Your role does not allow dismissing users.")
    if user.role == Role.ADMIN:
        _ensure_another_admin_remains(user)
    user.status = UserStatus.DISMISSED
    user.is_active = False
    user.save(update_fields=["status", "is_active"])
    user_tokens_revoke(user=user)
    return user


@transaction.atomic
def user_reinstate(*, user: User, by: User) -> User:
    """Make a dismissed user active again (admin only)."""
    if by.role != Role.ADMIN:
        raise NotPermitted("Only an admin can reinstate a user.")
    user = _locked(user)
    if user.status != UserStatus.DISMISSED:
        raise InvalidTransition("Only a dismissed user can be reinstated.")
    user.status = UserStatus.ACTIVE
    user.is_active = True
    user.save(update_fields=["status", "is_active"])
    return user


@transaction.atomic
def user_demote(*, user: User, by: User) -> User:
    """Turn a manager into staff (admin only). Not a manager → 409 `invalid_transition`."""
    if by.role != Role.ADMIN:
        raise NotPermitted("Only an admin can demote a manager.")
    user = _locked(user)
    if user.role != Role.MANAGER:
        raise InvalidTransition(f"Only a manager can be demoted; this user is {user.role}.")
    user.role = Role.STAFF
    user.save(update_fields=["role"])
    return user


def _locked(user: User, *, with_organization: bool = False) -> User:
    """Re-read the user row under a row lock (the caller is inside a transaction).

    `with_organization` first locks the organization row: changes that may take away an admin (update, dismiss)
    queue up per organization, so two admins demoting each other at once cannot both succeed, and the lock
    order is always organization → user (no deadlock).
    """
    if with_organization and user.organization_id is not None:
        list(Organization.objects.select_for_update().filter(pk=user.organization_id).values_list("pk"))
    return User.objects.select_for_update().get(pk=user.pk)


def _ensure_another_admin_remains(user: User) -> None:
    """Raise 409 if taking `user` out of the admin role would leave the organization without an active admin.

    Call it holding the organization lock (`_locked(..., with_organization=True)`).
    """
    others = User.objects.filter(organization_id=user.organization_id, role=Role.ADMIN, is_active=True)
    if not others.exclude(pk=user.pk).exists():
        raise Conflict("The organization must keep at least one active admin.")


# --- Promotion requests -------------------------------------------------------------------------------------------


@transaction.atomic
def promotion_request_create(*, user: User, by: User, reason: str = "") -> PromotionRequest:
    """A manager asks for a staff member of one of their warehouses to be promoted to manager.

    Not a manager → 403; the user is not staff → 400 keyed `user`; not in an own warehouse → 403; an open
    request for the same user → 409 `conflict`.
    """
    if by.role != Role.MANAGER:
        raise NotPermitted("Only managers request promotions.")
    user = _locked(user)
    if user.organization_id != by.organization_id:
        raise InvalidInput({"user": ["No such user in your organization."]})
    if user.role != Role.STAFF or user.status != UserStatus.ACTIVE:
        raise InvalidInput({"user": ["Only an active staff member can be promoted to manager."]})
    if not warehouse_ids_of(by) & set(user.warehouses.values_list("pk", flat=True)):
        raise NotPermitted("You can only request promotions for staff of your own warehouses.")
    if PromotionRequest.objects.filter(user=user, status=PromotionRequestStatus.PENDING).exists():
        raise Conflict("This user already has a pending promotion request.")
    try:
        with transaction.atomic():
            return PromotionRequest.objects.create(
                organization_id=by.organization_id, user=user, requested_by=by, reason=reason
            )
    except IntegrityError as exc:  # the partial unique constraint, under a concurrent request
        raise Conflict("This user already has a pending promotion request.") from exc


@transaction.atomic
def promotion_request_approve(*, promotion_request: PromotionRequest, by: User) -> PromotionRequest:
    """Approve a pending request (admin only): the user becomes a manager, keeping their warehouses."""
    promotion_request = _decide(promotion_request, by=by, status=PromotionRequestStatus.APPROVED)
    user = _locked(promotion_request.user)
    if user.status != UserStatus.ACTIVE or user.role != Role.STAFF:
        raise Conflict("The user is no longer an active staff member and cannot be promoted.")
    user.role = Role.MANAGER
    user.save(update_fields=["role"])
    promotion_request.user = user
    return promotion_request


@transaction.atomic
def promotion_request_reject(*, promotion_request: PromotionRequest, by: User) -> PromotionRequest:
    return _decide(promotion_request, by=by, status=PromotionRequestStatus.REJECTED)


def _decide(promotion_request: PromotionRequest, *, by: User, status: str) -> PromotionRequest:
    if by.role != Role.ADMIN:
        raise NotPermitted("Only an admin can decide on promotion requests.")
    locked = PromotionRequest.objects.select_for_update().get(pk=promotion_request.pk)
    if locked.status != PromotionRequestStatus.PENDING:
        raise InvalidTransition(f"This promotion request is already {locked.status}.")
    locked.status = status
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    return locked


# --- Organization -------------------------------------------------------------------------------------------------


def organization_update(*, organization: Organization, by: User, name: str) -> Organization:
    if by.role != Role.ADMIN:
        raise NotPermitted("Only an admin can change the organization.")
    organization.name = name
    organization.save(update_fields=["name"])
    return organization


def organization_rotate_join_code(*, organization: Organization, by: User) -> Organization:
    """Give the organization a new join code; the old one stops working at once (admin only)."""
    if by.role != Role.ADMIN:
        raise NotPermitted("Only an admin can rotate the join code.")
    for _ in range(5):
        organization.join_code = new_join_code()
        try:
            with transaction.atomic():
                organization.save(update_fields=["join_code"])
            return organization
        except IntegrityError:  # a collision of 72 random bits: try another
            continue
    raise Conflict("Could not generate a new join code; try again.")
