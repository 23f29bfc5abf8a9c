from rest_framework.routers import DefaultRouter

from suppliers.views import SupplierViewSet

app_name = "suppliers"

# Path converters: ids are `<int:pk>`, documented as integers, and `products/alerts/` is not taken for an id.
router = DefaultRouter(use_regex_path=False)
router.register("suppliers", SupplierViewSet, basename="supplier")

urlpatterns = router.urls
