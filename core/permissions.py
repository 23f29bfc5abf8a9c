"""Permission classes implementing the contract's role matrix.

A viewset declares which roles may run each action in `action_roles` (an action missing from it falls back to
`default_roles`; read actions default to every role). Rules that depend on an object's warehouse ("own") are
checked with `ensure_warehouse_access` where the warehouse is known: in serializers or services.
"""

from collections.abc import Iterable

from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.exceptions import NotPermitted
from core.roles import ALL_ROLES, Role


def is_org_member(user) -> bool:
    return bool(user and user.is_authenticated and getattr(user, "organization_id", None))


class IsOrganizationMember(BasePermission):
    """Authenticated, belongs to an organization, and the view's role rules allow this action."""

    message = "You do not have permission to perform this action."

    def has_permission(self, request, view):
        if not is_org_member(request.user):
            return False
        allowed = roles_for_action(view, request)
        return request.user.role in allowed


def roles_for_action(view, request) -> frozenset:
    action = getattr(view, "action", None)
    action_roles = getattr(view, "action_roles", {}) or {}
    if action in action_roles:
        return frozenset(action_roles[action])
    if request.method in SAFE_METHODS:
        return ALL_ROLES
    return frozenset(getattr(view, "default_roles", ALL_ROLES))


def warehouse_ids_of(user) -> set[int]:
    """The ids of the warehouses assigned to the user (cached on the user object for the request)."""
    cached = getattr(user, "_warehouse_ids_cache", None)
    if cached is None:
        cached = set(user.warehouses.values_list("id", flat=True))
        user._warehouse_ids_cache = cached
    return cached


def has_warehouse_access(user, warehouse_id: int | None) -> bool:
    """Admins act on every warehouse of their organization; everyone else on their own."""
    if user.role == Role.ADMIN:
        return True
    return warehouse_id is not None and warehouse_id in warehouse_ids_of(user)


def ensure_warehouse_access(user, warehouses: Iterable) -> None:
    """Raise 403 unless the user may act on every given warehouse (objects or ids)."""
    for warehouse in warehouses:
        warehouse_id = getattr(warehouse, "pk", warehouse)
        if not has_warehouse_access(user, warehouse_id):
            raise NotPermitted("You can only act on warehouses assigned to you.")


def ensure_role(user, roles: Iterable[str], message: str | None = None) -> None:
    if user.role not in set(roles):
        raise NotPermitted(message or "Your role does not allow this action.")
