"""Reads of warehouses, shaped for `WarehouseSerializer` (managers and staff count in the same queries)."""

from django.db.models import Count, Prefetch, Q, QuerySet

from core.roles import Role
from users.models import User
from warehouses.models import Warehouse


def warehouse_shaped(queryset: QuerySet[Warehouse]) -> QuerySet[Warehouse]:
    """Annotate `staff_count` and prefetch active managers into `manager_list` (one extra query per page).

    Ordered explicitly: Django drops `Meta.ordering` from aggregating queries.
    """
    managers = User.objects.filter(role=Role.MANAGER, is_active=True).only("id", "username").order_by("username")
    return (
        queryset.annotate(
            staff_count=Count(
                "assigned_users",
                filter=Q(assigned_users__role=Role.STAFF, assigned_users__is_active=True),
                distinct=True,
            )
        )
        .prefetch_related(Prefetch("assigned_users", queryset=managers, to_attr="manager_list"))
        .order_by("name", "id")
    )
