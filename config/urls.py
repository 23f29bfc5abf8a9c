"""URL configuration: each app owns its routes under /api/."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from core.views import RedocView, SwaggerView, api_root, health
from users.admin_login import admin_login

api_patterns = [
    path("", api_root, name="api-root"),
    path("health/", health, name="health"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="schema"), name="docs"),
    path("redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
    path("", include("users.urls")),
    path("", include("warehouses.urls")),
    path("", include("catalog.urls")),
    path("", include("suppliers.urls")),
    path("", include("stock.urls")),
    path("", include("purchases.urls")),
    path("", include("sales.urls")),
    path("", include("dashboard.urls")),
    path("", include("reports.urls")),
]

admin.site.site_header = "Stockroom administration"
admin.site.site_title = "Stockroom admin"
admin.site.index_title = "Catalog, stock, orders and people"

urlpatterns = [
    path("admin/login/", admin_login, name="admin-login"),  # throttled; before the admin's own routes
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "core.exceptions.handler400"
handler404 = "core.exceptions.handler404"
handler500 = "core.exceptions.handler500"
