import datetime as dt

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Product, Variant
from core.serializers import KeywordFieldsMixin, StrictDateField
from core.tenancy import OrganizationPrimaryKeyRelatedField, UserRefSerializer
from reports.models import ReportJobFormat, ReportJobKind, ReportJobStatus
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


# --- Report jobs ------------------------------------------------------------------------------------------------

MAX_JOB_DAYS_APART = 366


class ReportJobCreateSerializer(KeywordFieldsMixin, serializers.Serializer):
    """`{report, format, from, to, warehouse?}`: an inclusive range of UTC days, at most 366 days apart."""

    report = serializers.ChoiceField(choices=ReportJobKind.choices)
    format = serializers.ChoiceField(choices=ReportJobFormat.choices)
    warehouse = OrganizationPrimaryKeyRelatedField(
        queryset=Warehouse.objects.all(),
        required=False,
        allow_null=True,
        help_text="Only this warehouse (a manager's own); every warehouse the caller may see when left out.",
    )
    keyword_fields = {
        "from": lambda: StrictDateField(help_text="First day, YYYY-MM-DD (UTC)."),
        "to": lambda: StrictDateField(help_text="Last day, YYYY-MM-DD (UTC), inclusive."),
    }
    field_order = ("report", "format", "from", "to", "warehouse")

    def validate(self, attrs):
        start, end = attrs["from"], attrs["to"]
        if start > end:
            raise serializers.ValidationError({"from": ["Must be on or before `to`."]})
        if (end - start).days > MAX_JOB_DAYS_APART:
            raise serializers.ValidationError({"to": [f"At most {MAX_JOB_DAYS_APART} days after `from`."]})
        if end == dt.date.max:
            raise serializers.ValidationError({"to": ["This date is outside the supported calendar."]})
        return attrs


class ReportJobSerializer(KeywordFieldsMixin, serializers.Serializer):
    """A report job as the API shows it; `download_url` is set once the file is ready."""

    id = serializers.IntegerField(read_only=True)
    report = serializers.ChoiceField(choices=ReportJobKind.choices, read_only=True)
    format = serializers.ChoiceField(choices=ReportJobFormat.choices, read_only=True)
    warehouse = serializers.IntegerField(source="warehouse_id", read_only=True, allow_null=True)
    status = serializers.ChoiceField(
        choices=ReportJobStatus.choices, source="shown_status", read_only=True, help_text="queued → running → done."
    )
    progress = serializers.IntegerField(read_only=True, help_text="0-100, rising while the job runs.")
    rows = serializers.IntegerField(read_only=True, allow_null=True, help_text="Movement rows in the file, once done.")
    created_by = UserRefSerializer(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    finished_at = serializers.DateTimeField(read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    keyword_fields = {
        "from": lambda: serializers.DateField(source="start", read_only=True),
        "to": lambda: serializers.DateField(source="end", read_only=True),
    }
    field_order = (
        "id",
        "report",
        "format",
        "from",
        "to",
        "warehouse",
        "status",
        "progress",
        "rows",
        "created_by",
        "created_at",
        "finished_at",
        "download_url",
        "error",
    )

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, job) -> str | None:
        if job.shown_status != ReportJobStatus.DONE:
            return None
        path = reverse("reports:report-job-download", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_error(self, job) -> str | None:
        return job.error or None
