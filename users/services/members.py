"""One's profile, and the management of an organization's users by its admins and managers (the "own
warehouse" rules of the contract).
"""

from collections.abc import Iterable, Sequence

from django.db import transaction

from core.exceptions import (
    Conflict,
    InvalidTransition,
    NotPermitted,
)
from core.permissions import warehouse_ids_of
from core.roles import Role
from users.models import (
    Organization,
    User,
    UserStatus,
)
from users.services.accounts import save_new_user, user_tokens_revoke, validate_password

# Roles a manager may hand out or act on (contract: "staff/viewer into/of own warehouses").
MANAGER_GRANTABLE_ROLES = frozenset({Role.STAFF, Role.VIEWER})

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
    validate_password(password, user=user)
    user.set_password(password)
    save_new_user(user)
    if warehouses:
        user.warehouses.set(warehouses)
    return user


@transaction.atomic
def user_update(*, user: User, by: User, **fields) -> User:
    """Admin update of a user. `is_active` drives `status`: False dismisses, True reinstates a dismissed user."""
    warehouses = fields.pop("warehouses", None)
    is_active = fields.pop("is_active", None)
    user = locked_user(user, with_organization=True)
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
    user = locked_user(user)
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
    user = locked_user(user, with_organization=True)
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
    user = locked_user(user)
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
    user = locked_user(user)
    if user.role != Role.MANAGER:
        raise InvalidTransition(f"Only a manager can be demoted; this user is {user.role}.")
    user.role = Role.STAFF
    user.save(update_fields=["role"])
    return user


def locked_user(user: User, *, with_organization: bool = False) -> User:
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

    Call it holding the organization lock (`locked_user(..., with_organization=True)`).
    """
    others = User.objects.filter(organization_id=user.organization_id, role=Role.ADMIN, is_active=True)
    if not others.exclude(pk=user.pk).exists():
        raise Conflict("The organization must keep at least one active admin.")
