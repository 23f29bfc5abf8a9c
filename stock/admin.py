"""Stock in the Django admin: browse and filter everything; change nothing that the ledger owns.

Nobody edits a quantity here: levels show it read-only (only the reorder override can change, with a targeted
UPDATE), and movements, adjustments and transfers are read-only records — stock changes go through the API, whose
services keep the ledger exact.
"""

from django.contrib import admin

from stock.models import (
    LowStockAlert,
    LowStockDigest,
    LowStockDigestState,
    StockAdjustment,
    StockLevel,
    StockMovement,
    StockReservation,
    Transfer,
    TransferItem,
)
from stock.services import stock_level_set_override


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    list_display = [
        "variant",
        "product_name",
        "warehouse",
        "quantity",
        "reserved",
        "reorder_level",
        "reorder_level_override",
        "updated_at",
    ]
    list_filter = ["organization", "warehouse"]
    search_fields = ["variant__sku", "variant__product__name", "warehouse__name", "warehouse__code"]
    list_select_related = ["variant__product", "warehouse"]
    fields = [
        "organization",
        "variant",
        "warehouse",
        "quantity",
        "reserved",
        "reorder_level",
        "reorder_level_override",
        "updated_at",
    ]
    readonly_fields = ["organization", "variant", "warehouse", "quantity", "reserved", "reorder_level", "updated_at"]

    @admin.display(description="product", ordering="variant__product__name")
    def product_name(self, level):
        return level.variant.product.name

    def has_add_permission(self, request):
        return False  # levels are created by the ledger when stock first moves

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Only the override, never `obj.save()`: a full save would write back the quantity this form read and
        # erase any stock movement committed since.
        stock_level_set_override(level_id=obj.pk, reorder_level_override=obj.reorder_level_override)


@admin.register(StockMovement)
class StockMovementAdmin(_ReadOnlyAdmin):
    list_display = [
        "id",
        "created_at",
        "variant",
        "warehouse",
        "movement_type",
        "reason",
        "quantity",
        "balance_after",
        "unit_cost",
        "reference",
        "performed_by",
    ]
    list_filter = ["movement_type", "reason", "organization", "warehouse", "created_at"]
    search_fields = ["variant__sku", "variant__product__name", "note", "reference_type"]
    list_select_related = ["variant", "warehouse", "performed_by"]
    date_hierarchy = "created_at"
    show_full_result_count = False  # the table grows without bound: no COUNT(*) over all of it
    ordering = ["-created_at", "-id"]  # newest first, as the API lists them

    @admin.display(description="reference")
    def reference(self, movement):
        return f"{movement.reference_type} #{movement.reference_id}" if movement.reference_type else "—"


@admin.register(StockReservation)
class StockReservationAdmin(_ReadOnlyAdmin):
    """Read-only: the ledger makes, tops up, shrinks and releases reservations with the orders that own them."""

    list_display = ["id", "created_at", "reference_number", "line_id", "sku", "warehouse", "quantity", "requested"]
    list_filter = ["organization", "level__warehouse"]
    search_fields = ["reference_number", "level__variant__sku"]
    list_select_related = ["level__variant", "level__warehouse"]
    ordering = ["-id"]

    @admin.display(description="SKU", ordering="level__variant__sku")
    def sku(self, reservation):
        return reservation.level.variant.sku

    @admin.display(description="warehouse", ordering="level__warehouse__name")
    def warehouse(self, reservation):
        return reservation.level.warehouse


@admin.register(StockAdjustment)
class StockAdjustmentAdmin(_ReadOnlyAdmin):
    list_display = [
        "id",
        "created_at",
        "variant",
        "warehouse",
        "quantity",
        "counted_quantity",
        "reason",
        "performed_by",
    ]
    list_filter = ["reason", "organization", "warehouse", "created_at"]
    search_fields = ["variant__sku", "note"]
    list_select_related = ["variant", "warehouse", "performed_by"]
    date_hierarchy = "created_at"


class TransferItemInline(admin.TabularInline):
    model = TransferItem
    fields = ["variant", "quantity"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Transfer)
class TransferAdmin(_ReadOnlyAdmin):
    list_display = [
        "number",
        "source_warehouse",
        "destination_warehouse",
        "status",
        "requested_by",
        "decided_by",
        "created_at",
    ]
    list_filter = ["status", "organization", "source_warehouse", "destination_warehouse"]
    search_fields = ["number", "note", "items__variant__sku"]
    list_select_related = ["source_warehouse", "destination_warehouse", "requested_by", "decided_by"]
    date_hierarchy = "created_at"
    inlines = [TransferItemInline]


@admin.register(LowStockAlert)
class LowStockAlertAdmin(_ReadOnlyAdmin):
    """Opened and closed by the low-stock job only."""

    list_display = [
        "id",
        "sku",
        "warehouse",
        "quantity_at_open",
        "reorder_level_at_open",
        "opened_at",
        "closed_at",
        "is_open",
    ]
    list_filter = [("closed_at", admin.EmptyFieldListFilter), "level__organization", "level__warehouse", "opened_at"]
    search_fields = ["level__variant__sku", "level__variant__product__name", "level__warehouse__name"]
    list_select_related = ["level__variant", "level__warehouse"]
    date_hierarchy = "opened_at"

    @admin.display(description="SKU", ordering="level__variant__sku")
    def sku(self, alert):
        return alert.level.variant.sku

    @admin.display(description="warehouse", ordering="level__warehouse__name")
    def warehouse(self, alert):
        return alert.level.warehouse

    @admin.display(description="open", boolean=True)
    def is_open(self, alert):
        return alert.closed_at is None


@admin.register(LowStockDigest)
class LowStockDigestAdmin(admin.ModelAdmin):
    """The delivery log. Read-only, except that a digest left `pending` by an interrupted run may be deleted: the
    next run (or `manage.py send_low_stock_alerts`) then sends it again.
    """

    list_display = ["day", "recipient", "email", "state", "alert_count", "subject", "claimed_at", "sent_at"]
    list_filter = ["state", "day", "organization"]
    search_fields = ["recipient__username", "email", "subject"]
    list_select_related = ["recipient"]
    date_hierarchy = "day"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.state == LowStockDigestState.PENDING
