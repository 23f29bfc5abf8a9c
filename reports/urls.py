from rest_framework.routers import DefaultRouter

from reports.views import ReportViewSet

app_name = "reports"

router = DefaultRouter()
router.register("reports", ReportViewSet, basename="report")

urlpatterns = router.urls
