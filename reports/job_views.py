"""Report jobs: ask for a large report, follow its progress, download the file once it is built."""

from pathlib import Path

from django.http import FileResponse
from drf_orjson_renderer.renderers import ORJSONRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.exceptions import Conflict, Gone
from core.pagination import PageNumberPagination
from core.permissions import is_org_member
from core.roles import ADMIN_MANAGER, Role
from core.schema import ErrorSerializer
from reports.jobs import report_job_create
from reports.models import ReportJob, ReportJobStatus
from reports.serializers import ReportJobCreateSerializer, ReportJobSerializer
from reports.views import ReportContentNegotiation

ACTIONS = ("list", "retrieve", "create", "download")


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


_DENIED = _error("Staff and viewers; a manager asking for a warehouse that is not theirs.")
_NOT_FOUND = _error("No such job among the ones you may see (a manager sees their own jobs).")


@extend_schema_view(
    list=extend_schema(
        summary="Report jobs",
        description="An admin sees every job of the organization, a manager their own; newest first.",
        responses={200: ReportJobSerializer(many=True), 401: _error("Not authenticated."), 403: _DENIED},
    ),
    retrieve=extend_schema(
        summary="One report job",
        description="`progress` rises while the job runs; `download_url` is set once it is `done`.",
        responses={200: ReportJobSerializer, 401: _error("Not authenticated."), 403: _DENIED, 404: _NOT_FOUND},
    ),
)
class ReportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Large reports built by a Celery worker (in-process without a broker) and kept for 7 days."""

    queryset = ReportJob.objects.all()  # narrowed to the caller's jobs by get_queryset
    serializer_class = ReportJobSerializer
    pagination_class = PageNumberPagination
    filter_backends = []
    # JSON for the job and the errors; the download's file bypasses rendering (an `Accept: text/csv` is no 406).
    renderer_classes = [ORJSONRenderer]
    content_negotiation_class = ReportContentNegotiation
    action_roles = dict.fromkeys(ACTIONS, ADMIN_MANAGER)

    def get_queryset(self):
        user = self.request.user
        if not is_org_member(user):  # schema generation
            return ReportJob.objects.none()
        jobs = ReportJob.objects.filter(organization_id=user.organization_id).select_related("created_by")
        if user.role != Role.ADMIN:
            jobs = jobs.filter(created_by=user)
        return jobs.order_by("-created_at", "-id")

    @extend_schema(
        summary="Ask for a report in the background",
        description=(
            "Queues the stock-movement report over `from`..`to` (inclusive UTC days, at most 366 days apart) as a "
            "PDF or CSV; answers at once with the queued job. Poll the job, then download its file (the same "
            "content as the synchronous report for that range)."
        ),
        request=ReportJobCreateSerializer,
        examples=[
            OpenApiExample(
                "A year as CSV",
                value={"report": "stock_movements", "format": "csv", "from": "2025-01-01", "to": "2025-12-31"},
                request_only=True,
            )
        ],
        responses={
            202: ReportJobSerializer,
            400: _error("An unknown report or format, a bad date, `from` after `to`, or over 366 days apart."),
            401: _error("Not authenticated."),
            403: _DENIED,
            409: _error("You already have 5 jobs waiting or running."),
        },
    )
    def create(self, request):
        query = ReportJobCreateSerializer(data=request.data, context={"request": request})
        query.is_valid(raise_exception=True)
        params = query.validated_data
        job = report_job_create(
            user=request.user,
            report=params["report"],
            format=params["format"],
            start=params["from"],
            end=params["to"],
            warehouse=params.get("warehouse"),
        )
        job.created_by = request.user
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Download a finished report job's file",
        description="The file as an attachment, once the job is `done`: 409 before, 410 once it has expired.",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF, as an attachment."),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The CSV, as an attachment."),
            401: _error("Not authenticated."),
            403: _DENIED,
            404: _NOT_FOUND,
            409: _error("The job is not done (queued, running or failed)."),
            410: _error("The file was kept 7 days and has been deleted (`code: gone`)."),
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        job = self.get_object()
        if job.shown_status == ReportJobStatus.EXPIRED:
            raise Gone("This report's file was kept for 7 days and has been deleted; ask for it again.")
        if job.status != ReportJobStatus.DONE:
            raise Conflict(f"This report job is {job.status}; its file can be downloaded once it is done.")
        path = Path(job.file)
        if not path.is_file():
            raise Gone("This report's file is no longer available; ask for it again.")
        content_type = "text/csv; charset=utf-8" if job.format == "csv" else "application/pdf"
        return FileResponse(open(path, "rb"), as_attachment=True, filename=_filename(job), content_type=content_type)


def _filename(job: ReportJob) -> str:
    parts = ["stock-movements", f"{job.start:%Y-%m-%d}", f"{job.end:%Y-%m-%d}"]
    if job.warehouse_id:
        parts.append(f"warehouse-{job.warehouse_id}")
    return f"{'-'.join(parts)}.{job.format}"
