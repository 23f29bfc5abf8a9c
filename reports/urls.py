from rest_framework.routers import DefaultRouter

from reports.job_views import ReportJobViewSet
from reports.views import ReportViewSet

app_name = "reports"

router = DefaultRouter()
router.register("reports", ReportViewSet, basename="report")
router.register("report-jobs", ReportJobViewSet, basename="report-job")

urlpatterns = router.urls
