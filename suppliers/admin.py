from django.contrib import admin
from django.db.models import Count

from suppliers.models import Supplier


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "contact_name", "email", "phone", "product_count", "created_at"]
    list_filter = ["organization"]
    search_fields = ["name", "contact_name", "email", "phone"]
    list_select_related = ["organization"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(product_count=Count("products"))

    @admin.display(ordering="product_count", description="products")
    def product_count(self, obj):
        return obj.product_count
