"""Passwords, tokens, registration, login and logout."""

from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.models import update_last_login
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from core.exceptions import (
    AccountPending,
    AuthenticationRefused,
    InvalidInput,
)
from core.roles import Role
from users.models import (
    Organization,
    User,
    UserStatus,
)

# --- Passwords and tokens -----------------------------------------------------------------------------------------


def validate_password(password: str, *, user: User | None = None, field: str = "password") -> None:
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
    validate_password(password, user=user)

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
    save_new_user(user)
    return user


def save_new_user(user: User) -> None:
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
    validate_password(new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_tokens_revoke(user=user)
    return user
