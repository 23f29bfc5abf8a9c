from rest_framework.routers import DefaultRouter

from purchases.views import PurchaseOrderViewSet

app_name = "purchases"

router = DefaultRouter()
router.register("purchase-orders", PurchaseOrderViewSet, basename="purchase-order")

urlpatterns = router.urls
