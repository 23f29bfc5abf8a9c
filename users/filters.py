import django_filters

from core.filters import BooleanFilter, FilterSet, IdFilter
from core.roles import Role
from users.models import PromotionRequest, PromotionRequestStatus, User, UserStatus


class UserFilter(FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    status = django_filters.ChoiceFilter(choices=UserStatus.choices)
    warehouse = IdFilter(field_name="warehouses", label="Assigned to this warehouse (id)")
    is_active = BooleanFilter()

    class Meta:
        model = User
        fields = ["role", "status", "warehouse", "is_active"]


class PromotionRequestFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=PromotionRequestStatus.choices)
    user = IdFilter(field_name="user_id", label="The user to promote (id)")
    requested_by = IdFilter(field_name="requested_by_id", label="The requesting manager (id)")

    class Meta:
        model = PromotionRequest
        fields = ["status", "user", "requested_by"]
