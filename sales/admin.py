"""Sales orders in the Django admin.

Orders are created and moved through `sales.services` (numbers, stock, e-mails): the admin can edit a pending
order's details and lines, and fulfil, reject or cancel pending orders with actions that call those services. Once an
order has left `pending` it is read-only, lines included: its stock has moved (or never will).
"""

from decimal import Decimal

from django.contrib import admin, messages

from core.admin import ReadOnlyAdminMixin
from core.exceptions import DomainError
from sales import services
from sales.models import SalesOrder, SalesOrderItem, SalesOrderStatus, line_total_expression

CENT = Decimal("0.01")
ORDER_FIELDS = (
    "number",
    "organization",
    "warehouse",
    "status",
    "customer_name",
    "customer_email",
    "notes",
    "rejection_reason",
    "created_by",
    "decided_by",
    "decided_at",
    "created_at",
    "fulfilled_at",
    "updated_at",
)


class SalesOrderItemInline(admin.TabularInline):
    model = SalesOrderItem
    extra = 0
    raw_id_fields = ("variant",)
    fields = ("variant", "quantity", "unit_price", "quantity_returned", "unit_cost")
    readonly_fields = ("quantity_returned", "unit_cost")

    def _editable(self, obj) -> bool:
        return obj is not None and obj.status == SalesOrderStatus.PENDING

    def get_readonly_fields(self, request, obj=None):
        if self._editable(obj):
            return self.readonly_fields
        return self.fields

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.register(SalesOrder)
class SalesOrderAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "organization",
        "warehouse",
        "status",
        "customer_name",
        "total",
        "created_by",
        "created_at",
        "fulfilled_at",
    )
    list_filter = ("status", "organization", "warehouse", "created_at")
    search_fields = ("number", "customer_name", "customer_email", "created_by__username")
    list_select_related = ("organization", "warehouse", "created_by")
    date_hierarchy = "created_at"
    inlines = [SalesOrderItemInline]
    fields = ORDER_FIELDS
    actions = ["fulfil_selected", "reject_selected", "cancel_selected"]

    @admin.display(description="total", ordering="total_amount")
    def total(self, obj):
        return Decimal(obj.total_amount).quantize(CENT)

    def save_related(self, request, form, formsets, change):
        # A pending order's lines are edited here, outside the services: its kept total follows them, in the
        # admin's transaction.
        super().save_related(request, form, formsets, change)
        SalesOrder.objects.filter(pk=form.instance.pk).refresh_totals()

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == SalesOrderStatus.PENDING:
            return tuple(field for field in ORDER_FIELDS if field not in services.EDITABLE_FIELDS)
        return ORDER_FIELDS

    def has_add_permission(self, request):
        # A new order needs a number and, when sold, stock: the API creates them through the services.
        return False

    def has_delete_permission(self, request, obj=None):
        # A pending order has moved no stock and may go; any other is history.
        return super().has_delete_permission(request, obj) and (obj is None or obj.status == SalesOrderStatus.PENDING)

    def _run(self, request, queryset, operation, done: str):
        succeeded = 0
        for order in queryset.select_related("warehouse"):
            try:
                operation(order=order, by=request.user)
                succeeded += 1
            except DomainError as error:  # the services' refusals; anything else is a bug and a 500
                self.message_user(request, f"{order.number}: {error.message}", messages.ERROR)
        if succeeded:
            self.message_user(request, f"{succeeded} order(s) {done}.", messages.SUCCESS)

    @admin.action(description="Fulfil selected pending orders (takes the stock)")
    def fulfil_selected(self, request, queryset):
        self._run(request, queryset, services.sales_order_fulfil, "fulfilled")

    @admin.action(description="Reject selected pending orders")
    def reject_selected(self, request, queryset):
        self._run(request, queryset, services.sales_order_reject, "rejected")

    @admin.action(description="Cancel selected pending orders")
    def cancel_selected(self, request, queryset):
        self._run(request, queryset, services.sales_order_cancel, "cancelled")


@admin.register(SalesOrderItem)
class SalesOrderItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Lines across orders, read-only (edit a pending order's lines on the order)."""

    list_display = ("order", "variant", "quantity", "unit_price", "line_total", "quantity_returned", "unit_cost")
    list_filter = ("order__status", "order__warehouse")
    search_fields = ("order__number", "variant__sku", "variant__product__name")
    list_select_related = ("order", "variant")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(line_total=line_total_expression())

    @admin.display(description="line total", ordering="line_total")
    def line_total(self, obj):
        return Decimal(obj.line_total).quantize(CENT)
