from rest_framework.routers import DefaultRouter

app_name = "dashboard"

router = DefaultRouter()

urlpatterns = router.urls
