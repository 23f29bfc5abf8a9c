from rest_framework.routers import DefaultRouter

app_name = "users"

router = DefaultRouter()

urlpatterns = router.urls
