from rest_framework.routers import DefaultRouter

app_name = "catalog"

router = DefaultRouter()

urlpatterns = router.urls
