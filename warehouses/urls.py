from rest_framework.routers import DefaultRouter

from warehouses.views import WarehouseViewSet

app_name = "warehouses"

router = DefaultRouter()
router.register("warehouses", WarehouseViewSet, basename="warehouse")

urlpatterns = router.urls
