from datetime import datetime, time

import django_filters
from django.db.models import Q
from django.utils import timezone

from core.filters import BooleanFilter, FilterSet, IdFilter, day_after
from stock.models import (
    AdjustmentReason,
    MovementType,
    Reason,
    StockAdjustment,
    StockLevel,
    StockMovement,
    StockReservation,
    Transfer,
    TransferStatus,
)


def _start_of(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


class StockLevelFilter(FilterSet):
    warehouse = IdFilter(field_name="warehouse_id")
    variant = IdFilter(field_name="variant_id")
    product = IdFilter(field_name="variant__product_id")
    low_stock = BooleanFilter(field_name="is_low_stock", label="Only low (or only not low) levels")
    kept = ("warehouse", "variant", "product", "low_stock")

    class Meta:
        model = StockLevel
        fields = ["warehouse", "variant", "product", "low_stock"]


class StockReservationFilter(FilterSet):
    warehouse = IdFilter(field_name="level__warehouse_id")
    variant = IdFilter(field_name="level__variant_id")
    sales_order = IdFilter(field_name="reference_id")

    class Meta:
        model = StockReservation
        fields = ["warehouse", "variant", "sales_order"]


class StockMovementFilter(FilterSet):
    """The contract's movement filters. Date bounds are inclusive days, compared as timestamp ranges."""

    variant = IdFilter(field_name="variant_id")
    product = IdFilter(field_name="variant__product_id")
    warehouse = IdFilter(field_name="warehouse_id")
    movement_type = django_filters.ChoiceFilter(choices=MovementType.choices)
    reason = django_filters.ChoiceFilter(choices=Reason.choices)
    performed_by = IdFilter(field_name="performed_by_id")
    created_after = django_filters.DateFilter(method="filter_created_after", label="Created on or after (YYYY-MM-DD)")
    created_before = django_filters.DateFilter(
        method="filter_created_before", label="Created on or before (YYYY-MM-DD)"
    )
    kept = ("variant", "product", "warehouse", "movement_type", "reason", "performed_by")
    kept += ("created_after", "created_before")  # days start in the current time zone: the view's key names it

    class Meta:
        model = StockMovement
        fields = [
            "variant",
            "product",
            "warehouse",
            "movement_type",
            "reason",
            "performed_by",
            "created_after",
            "created_before",
        ]

    def filter_created_after(self, queryset, name, value):
        return queryset.filter(created_at__gte=_start_of(value))

    def filter_created_before(self, queryset, name, value):
        return queryset.filter(created_at__lt=_start_of(day_after(value, name=name)))


class StockAdjustmentFilter(FilterSet):
    variant = IdFilter(field_name="variant_id")
    warehouse = IdFilter(field_name="warehouse_id")
    reason = django_filters.ChoiceFilter(choices=AdjustmentReason.choices)

    class Meta:
        model = StockAdjustment
        fields = ["variant", "warehouse", "reason"]


class TransferFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=TransferStatus.choices)
    warehouse = IdFilter(method="filter_warehouse", label="Source or destination warehouse")

    class Meta:
        model = Transfer
        fields = ["status", "warehouse"]

    def filter_warehouse(self, queryset, name, value):
        return queryset.filter(Q(source_warehouse_id=value) | Q(destination_warehouse_id=value))
