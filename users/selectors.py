"""Reads of users and promotion requests, shaped for their serializers (no query per row)."""

from django.db.models import Q, QuerySet

from core.permissions import warehouse_ids_of
from core.roles import Role
from users.models import PromotionRequest, User, UserStatus


def user_list(*, by: User) -> QuerySet[User]:
    """The users `by` may see: the whole organization for an admin.

    A manager sees the users of their own warehouses plus the pending registrants of the organization (whom they
    may approve); anyone else sees nobody.
    """
    queryset = User.objects.filter(organization_id=by.organization_id)
    if by.role == Role.MANAGER:
        in_own_warehouses = User.objects.filter(warehouses__in=warehouse_ids_of(by)).values("pk")
        queryset = queryset.filter(Q(pk__in=in_own_warehouses) | Q(status=UserStatus.PENDING))
    elif by.role != Role.ADMIN:
        queryset = queryset.none()
    return user_shaped(queryset)


def user_shaped(queryset: QuerySet[User]) -> QuerySet[User]:
    return queryset.select_related("organization").prefetch_related("warehouses").order_by("username")


def user_visible_to(*, by: User, user: User) -> bool:
    return user_list(by=by).filter(pk=user.pk).exists()


def promotion_request_list(*, by: User) -> QuerySet[PromotionRequest]:
    """An admin sees every request of the organization, a manager the ones they made."""
    queryset = PromotionRequest.objects.filter(organization_id=by.organization_id).select_related(
        "user", "requested_by", "decided_by"
    )
    if by.role == Role.MANAGER:
        queryset = queryset.filter(requested_by=by)
    elif by.role != Role.ADMIN:
        queryset = queryset.none()
    return queryset.order_by("-created_at", "-id")
