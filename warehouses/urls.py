from rest_framework.routers import DefaultRouter

app_name = "warehouses"

router = DefaultRouter()

urlpatterns = router.urls
