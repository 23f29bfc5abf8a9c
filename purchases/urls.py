from rest_framework.routers import DefaultRouter

app_name = "purchases"

router = DefaultRouter()

urlpatterns = router.urls
