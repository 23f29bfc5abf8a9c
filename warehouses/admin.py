from django.contrib import admin
from django.db.models import Count, Q

from core.roles import Role
from warehouses.models import Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "organization", "is_active", "staff_count", "created_at"]
    list_filter = ["is_active", "organization"]
    list_select_related = ["organization"]
    search_fields = ["name", "code", "address", "organization__name"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request):
        staff = Count("assigned_users", filter=Q(assigned_users__role=Role.STAFF, assigned_users__is_active=True))
        return super().get_queryset(request).annotate(staff_count=staff)

    @admin.display(description="staff", ordering="staff_count")
    def staff_count(self, obj):
        return obj.staff_count
