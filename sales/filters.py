"""Query-string filters of `/api/sales-orders/`."""

import datetime

import django_filters

from core.filters import FilterSet, IdFilter, day_after
from sales.models import SalesOrder, SalesOrderStatus

ISO_DATE = "%Y-%m-%d"


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


class SalesOrderFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=SalesOrderStatus.choices)
    warehouse = IdFilter(field_name="warehouse_id")
    created_by = IdFilter(field_name="created_by_id")
    customer_email = django_filters.CharFilter(lookup_expr="iexact")
    # Inclusive whole days (UTC), as ranges on the timestamp so the index still serves them.
    created_after = django_filters.DateFilter(
        method="filter_created_after", input_formats=[ISO_DATE], label="Created on or after (YYYY-MM-DD)"
    )
    created_before = django_filters.DateFilter(
        method="filter_created_before", input_formats=[ISO_DATE], label="Created on or before (YYYY-MM-DD)"
    )

    class Meta:
        model = SalesOrder
        fields = ["status", "warehouse", "created_by", "customer_email"]

    def filter_created_after(self, queryset, name, value):
        return queryset.filter(created_at__gte=_start_of(value))

    def filter_created_before(self, queryset, name, value):
        return queryset.filter(created_at__lt=_start_of(day_after(value, name=name)))
