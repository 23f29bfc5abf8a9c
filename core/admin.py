"""The outbox in the Django admin: read-only, so an operator sees what is pending, done or failing, and why."""

from django.conf import settings
from django.contrib import admin

from core.models import OutboxEvent


class OutboxStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("pending", "Pending"), ("processed", "Processed"), ("failed", "Failed (gave up)")]

    def queryset(self, request, queryset):
        gave_up = {"attempts__gte": settings.OUTBOX_MAX_ATTEMPTS}
        if self.value() == "pending":
            return queryset.filter(processed_at__isnull=True).exclude(**gave_up)
        if self.value() == "processed":
            return queryset.filter(processed_at__isnull=False)
        if self.value() == "failed":
            return queryset.filter(processed_at__isnull=True, **gave_up)
        return queryset


class ReadOnlyAdminMixin:
    """For rows written only by services: the admin lists and shows them, never adds, changes or deletes one."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "event_type", "organization_id", "created_at", "processed_at", "attempts", "short_error")
    list_filter = (OutboxStateFilter, "event_type")
    search_fields = ("event_type", "last_error")
    date_hierarchy = "created_at"
    ordering = ("-id",)

    @admin.display(description="last error")
    def short_error(self, event: OutboxEvent) -> str:
        return event.last_error[:80]
