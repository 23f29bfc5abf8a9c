"""Dashboard routes, mapped by hand: they are figures, not collections, so no router `-list` routes."""

from django.urls import path

from dashboard.views import DashboardViewSet

app_name = "dashboard"


def _get(action: str):
    return DashboardViewSet.as_view({"get": action})


urlpatterns = [
    path("dashboard/", _get("overview"), name="dashboard-overview"),
    path("dashboard/low-stock/", _get("low_stock"), name="dashboard-low-stock"),
    path("dashboard/sales/", _get("sales"), name="dashboard-sales"),
    path("dashboard/top-products/", _get("top_products"), name="dashboard-top-products"),
    path("dashboard/trends/", _get("trends"), name="dashboard-trends"),
    path("dashboard/warehouses/<int:pk>/", _get("warehouse"), name="dashboard-warehouse"),
]
