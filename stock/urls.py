from rest_framework.routers import DefaultRouter

app_name = "stock"

router = DefaultRouter()

urlpatterns = router.urls
