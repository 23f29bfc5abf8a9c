from django.urls import path
from rest_framework.routers import DefaultRouter

from stock import views

app_name = "stock"

router = DefaultRouter()
router.register("stock-levels", views.StockLevelViewSet, basename="stock-level")
router.register("stock-movements", views.StockMovementViewSet, basename="stock-movement")
router.register("stock-reservations", views.StockReservationViewSet, basename="stock-reservation")
router.register("stock-adjustments", views.StockAdjustmentViewSet, basename="stock-adjustment")
router.register("transfers", views.TransferViewSet, basename="transfer")

urlpatterns = [
    # Under `products/` for the contract; the catalog's router takes only numeric ids there, so this is reached.
    path("products/alerts/", views.StockAlertsView.as_view(), name="product-alerts"),
    *router.urls,
]
