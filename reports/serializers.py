from django.utils import timezone
from rest_framework import serializers

from catalog.models import Product, Variant
from core.tenancy import OrganizationPrimaryKeyRelatedField
from reports.selectors import Period, report_period
from stock.models import Reason
from warehouses.models import Warehouse

FORMATS = ("pdf", "csv")


class StockMovementReportQuerySerializer(serializers.Serializer):
    """The query string of the stock-movement report. Ids of another organization are invalid (400)."""

    period = serializers.ChoiceField(choices=Period.CHOICES)
    date = serializers.DateField(
        required=False, help_text="Any day inside the period (YYYY-MM-DD); today (UTC) by default."
    )
    format = serializers.ChoiceField(choices=FORMATS, default="pdf")
    warehouse = OrganizationPrimaryKeyRelatedField(queryset=Warehouse.objects.all(), required=False)
    product = OrganizationPrimaryKeyRelatedField(queryset=Product.objects.all(), required=False)
    variant = OrganizationPrimaryKeyRelatedField(queryset=Variant.objects.all(), required=False)
    reason = serializers.ChoiceField(choices=Reason.choices, required=False)

    def to_internal_value(self, data):
        # `?warehouse=&date=` (as forms and copied URLs send them) means "not given", not "invalid".
        return super().to_internal_value({key: value for key, value in data.items() if value != ""})

    def validate(self, attrs):
        on = attrs.get("date") or timezone.now().date()
        try:
            attrs["period"] = report_period(kind=attrs["period"], on=on)
        except OverflowError:
            raise serializers.ValidationError({"date": ["This date is outside the supported calendar."]}) from None
        return attrs


class ReportErrorSerializer(serializers.Serializer):
    """The contract's error body, as the report route answers it."""

    status = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
