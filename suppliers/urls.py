from rest_framework.routers import DefaultRouter

app_name = "suppliers"

router = DefaultRouter()

urlpatterns = router.urls
