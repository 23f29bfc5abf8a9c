import django_filters

from purchases.models import PurchaseOrder, PurchaseOrderStatus


class PurchaseOrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PurchaseOrderStatus.choices)
    supplier = django_filters.NumberFilter(field_name="supplier_id")
    warehouse = django_filters.NumberFilter(field_name="warehouse_id")
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = PurchaseOrder
        fields = ["status", "supplier", "warehouse", "created_after", "created_before"]
