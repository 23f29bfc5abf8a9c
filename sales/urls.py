from rest_framework.routers import DefaultRouter

from sales.views import SalesOrderViewSet

app_name = "sales"

router = DefaultRouter()
router.register("sales-orders", SalesOrderViewSet, basename="salesorder")

urlpatterns = router.urls
