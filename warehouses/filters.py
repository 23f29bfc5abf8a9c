from core.filters import BooleanFilter, FilterSet
from core.permissions import warehouse_ids_of
from warehouses.models import Warehouse


class WarehouseFilter(FilterSet):
    is_active = BooleanFilter()
    mine = BooleanFilter(method="filter_mine", label="Only the warehouses assigned to me")

    class Meta:
        model = Warehouse
        fields = ["is_active", "mine"]

    def filter_mine(self, queryset, name, value):
        if value is None:
            return queryset
        own = warehouse_ids_of(self.request.user)
        return queryset.filter(pk__in=own) if value else queryset.exclude(pk__in=own)
