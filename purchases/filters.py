import datetime

import django_filters

from core.filters import FilterSet, IdFilter, day_after
from purchases.models import PurchaseOrder, PurchaseOrderStatus


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


class PurchaseOrderFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=PurchaseOrderStatus.choices)
    supplier = IdFilter(field_name="supplier_id")
    warehouse = IdFilter(field_name="warehouse_id")
    # Inclusive whole days (UTC), as ranges on the timestamp so the (organization, created_at) index serves them
    # (`created_at::date` compared to a day is read row by row).
    created_after = django_filters.DateFilter(method="filter_created_after", label="Created on or after (YYYY-MM-DD)")
    created_before = django_filters.DateFilter(
        method="filter_created_before", label="Created on or before (YYYY-MM-DD)"
    )

    class Meta:
        model = PurchaseOrder
        fields = ["status", "supplier", "warehouse", "created_after", "created_before"]

    def filter_created_after(self, queryset, name, value):
        return queryset.filter(created_at__gte=_start_of(value))

    def filter_created_before(self, queryset, name, value):
        return queryset.filter(created_at__lt=_start_of(day_after(value, name=name)))
