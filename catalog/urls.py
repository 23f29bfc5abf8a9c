from rest_framework.routers import DefaultRouter

from catalog.views import CategoryViewSet, ProductViewSet, VariantViewSet

app_name = "catalog"

# Path converters: ids are `<int:pk>`, documented as integers, and `products/alerts/` is not taken for an id.
router = DefaultRouter(use_regex_path=False)
# With path converters the router would add `{format}` twins of every route, listed in the schema as duplicates.
router.include_format_suffixes = False
router.register("categories", CategoryViewSet, basename="category")
router.register("products", ProductViewSet, basename="product")
router.register("variants", VariantViewSet, basename="variant")

urlpatterns = router.urls
