import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils.text import slugify
from drf_orjson_renderer.renderers import ORJSONRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation

from core.db import replica_iter, replica_reads
from core.roles import ADMIN_MANAGER
from core.schema import ErrorSerializer
from reports.csv_export import stock_movement_csv_chunks
from reports.pdf import render_stock_movement_pdf
from reports.selectors import Period, ReportScope, report_scope_for
from reports.serializers import FORMATS, StockMovementReportQuerySerializer
from stock.models import Reason


class ReportContentNegotiation(DefaultContentNegotiation):
    """Always JSON for what DRF renders (the errors); the files bypass rendering.

    `?format=` names the file type here, so DRF's URL format override must not read it (it would look for a
    "pdf" renderer and answer 404), and an `Accept: application/pdf` must not end in 406 before the view runs.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type


_FILE = "The report as an attachment: a PDF, or the movement rows as CSV, as `format` asks."


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


class ReportViewSet(viewsets.ViewSet):
    """Downloadable reports: admins over every warehouse, managers over their own."""

    renderer_classes = [ORJSONRenderer]
    content_negotiation_class = ReportContentNegotiation
    action_roles = {"stock_movements": ADMIN_MANAGER}

    @extend_schema(
        summary="Stock movement report (PDF or CSV)",
        description=(
            "Every movement of a day, an ISO week (Monday to Sunday) or a calendar month (UTC), as a PDF with "
            "totals, a per-product summary and a daily chart, or as CSV. Managers get their own warehouses only."
        ),
        parameters=[
            OpenApiParameter("period", OpenApiTypes.STR, enum=Period.CHOICES, required=True),
            OpenApiParameter(
                "date", OpenApiTypes.DATE, description="A day inside the period; today (UTC) by default."
            ),
            OpenApiParameter("format", OpenApiTypes.STR, enum=FORMATS, default="pdf", description="The file type."),
            OpenApiParameter("warehouse", OpenApiTypes.INT, description="Limit to one warehouse."),
            OpenApiParameter("product", OpenApiTypes.INT, description="Limit to one product."),
            OpenApiParameter("variant", OpenApiTypes.INT, description="Limit to one variant."),
            OpenApiParameter("reason", OpenApiTypes.STR, enum=Reason.values, description="Limit to one reason."),
        ],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description=_FILE),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description=_FILE),
            400: _error("A bad period, date, format or filter (or an id of another organization)."),
            401: _error("Not authenticated."),
            403: _error("Staff and viewers; a manager asking for a warehouse that is not theirs."),
        },
    )
    @action(detail=False, methods=["get"], url_path="stock-movements")
    def stock_movements(self, request):
        query = StockMovementReportQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        params = query.validated_data
        scope = report_scope_for(
            user=request.user,
            period=params["period"],
            warehouse=params.get("warehouse"),
            variant=params.get("variant"),
            product=params.get("product"),
            reason=params.get("reason"),
        )
        filename = _filename(scope, params["format"])
        if params["format"] == "csv":
            response = StreamingHttpResponse(
                replica_iter(stock_movement_csv_chunks(scope=scope)), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        # Spooled to disk, not held in memory: a month of a busy organization is thousands of pages.
        file = tempfile.TemporaryFile()
        with replica_reads():
            render_stock_movement_pdf(scope=scope, out=file)
        file.seek(0)
        return FileResponse(file, as_attachment=True, filename=filename, content_type="application/pdf")


def _filename(scope: ReportScope, extension: str) -> str:
    parts = ["stock-movements", scope.period.kind, f"{scope.period.start:%Y-%m-%d}"]
    if scope.warehouse_explicit and scope.warehouses:
        parts.append(slugify(scope.warehouses[0].code) or str(scope.warehouses[0].pk))
    return f"{'-'.join(parts)}.{extension}"
