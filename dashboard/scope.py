"""What a dashboard request may see (`DashboardScope`), and the sums every dashboard figure is made of."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, IntegerField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from core.dates import DayRange
from core.permissions import ensure_warehouse_access, warehouse_ids_of
from core.roles import Role
from warehouses.models import Warehouse

# Sums of quantity × price can outgrow a price column: 20 digits hold any realistic inventory.
VALUE = DecimalField(max_digits=20, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=VALUE)


# --- Scope ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardScope:
    """One organization, and the warehouses whose figures the caller may see (None: every warehouse)."""

    organization_id: int
    warehouse_ids: frozenset[int] | None = None

    @property
    def cache_part(self) -> str:
        if self.warehouse_ids is None:
            return "all"
        return ",".join(str(pk) for pk in sorted(self.warehouse_ids)) or "none"

    @property
    def warehouse_key(self) -> tuple[int, ...] | None:  # hashable and ordered: the kept querysets' argument
        return None if self.warehouse_ids is None else tuple(sorted(self.warehouse_ids))

    def restrict(self, queryset: QuerySet, field: str = "warehouse_id") -> QuerySet:
        if self.warehouse_ids is None:
            return queryset
        return queryset.filter(**{f"{field}__in": sorted(self.warehouse_ids)})


def dashboard_scope_for(*, user, warehouse: Warehouse | None = None) -> DashboardScope:
    """What the user may see: admins every warehouse, managers their own; `warehouse` narrows it to one.

    Raises PermissionDenied (403) when a manager asks for a warehouse that is not theirs.
    """
    if warehouse is not None:
        ensure_warehouse_access(user, [warehouse])
        return DashboardScope(user.organization_id, frozenset({warehouse.pk}))
    if user.role == Role.ADMIN:
        return DashboardScope(user.organization_id, None)
    return DashboardScope(user.organization_id, frozenset(warehouse_ids_of(user)))


# --- Expressions ----------------------------------------------------------------------------------------------------


def money_sum(expression, **kwargs) -> Coalesce:
    return Coalesce(Sum(expression, **kwargs), ZERO, output_field=VALUE)


def int_sum(expression, **kwargs) -> Coalesce:
    return Coalesce(Sum(expression, **kwargs), 0, output_field=IntegerField())


def kept_days(model, scope: DashboardScope, days: DayRange) -> QuerySet:
    """The kept figures (`model`: a tally per warehouse and day) of the range's days, in scope."""
    kept = model.objects.filter(organization_id=scope.organization_id, day__gte=days.start, day__lte=days.end)
    return scope.restrict(kept)
