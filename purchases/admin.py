from django import forms
from django.contrib import admin, messages
from django.db import transaction

from core.exceptions import DomainError
from core.roles import Role
from purchases.models import PURCHASE_ORDER_WORKFLOW, PurchaseOrder, PurchaseOrderItem, PurchaseOrderStatus
from purchases.services import purchase_order_cancel, purchase_order_receive, purchase_order_submit


def _is_draft(obj) -> bool:
    return obj is None or obj.status == PurchaseOrderStatus.DRAFT


class PurchaseOrderAdminForm(forms.ModelForm):
    class Meta:
        model = PurchaseOrder
        fields = ["organization", "supplier", "warehouse", "notes"]

    def clean(self):
        cleaned = super().clean()
        organization = cleaned.get("organization") or getattr(self.instance, "organization", None)
        for field in ("supplier", "warehouse"):
            related = cleaned.get(field)
            if organization and related and related.organization_id != organization.pk:
                self.add_error(field, "Must belong to the order's organization.")
        return cleaned


class PurchaseOrderItemInline(admin.TabularInline):
    model = PurchaseOrderItem
    extra = 0
    fields = ["variant", "quantity_ordered", "quantity_received", "unit_cost"]
    readonly_fields = ["quantity_received"]
    raw_id_fields = ["variant"]

    def get_readonly_fields(self, request, obj=None):
        if _is_draft(obj):
            return self.readonly_fields
        return self.fields

    def has_add_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(admin.ModelAdmin):
    """Drafts are editable here; once an order left draft, everything is read-only and status moves go through
    the actions below (the same services as the API, so stock and costs stay right).
    """

    list_display = ["number", "organization", "supplier", "warehouse", "status", "created_by", "created_at"]
    list_filter = ["status", "organization", "warehouse"]
    list_select_related = ["organization", "supplier", "warehouse", "created_by"]
    search_fields = ["number", "supplier__name", "notes"]
    date_hierarchy = "created_at"
    inlines = [PurchaseOrderItemInline]
    fields = [
        "organization",
        "number",
        "supplier",
        "warehouse",
        "status",
        "notes",
        "created_by",
        "created_at",
        "submitted_at",
        "received_at",
        "cancelled_at",
    ]
    raw_id_fields = ["supplier", "warehouse"]
    form = PurchaseOrderAdminForm
    always_read_only = ["number", "status", "created_by", "created_at", "submitted_at", "received_at", "cancelled_at"]
    actions = ["submit_orders", "receive_orders", "cancel_orders"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.always_read_only
        if obj.status == PurchaseOrderStatus.DRAFT:
            return ["organization", *self.always_read_only]
        return self.fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        with transaction.atomic():
            obj.number = PURCHASE_ORDER_WORKFLOW.next_number(organization_id=obj.organization_id)
            obj.created_by = request.user
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # A draft's lines are edited here, outside the services: its kept total follows them, in the admin's
        # transaction.
        super().save_related(request, form, formsets, change)
        PurchaseOrder.objects.filter(pk=form.instance.pk).refresh_totals()

    def _run(self, request, queryset, service, verb):
        done = 0
        for order in queryset:
            # An organization's admin acts as themselves (and is recorded on the movements); a site superuser
            # outside the organization acts as the system.
            same_org_admin = request.user.organization_id == order.organization_id and request.user.role == Role.ADMIN
            try:
                service(order=order, by=request.user if same_org_admin else None)
                done += 1
            except DomainError as exc:  # each order on its own: report and carry on
                self.message_user(request, f"{order}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} order(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Submit selected draft orders")
    def submit_orders(self, request, queryset):
        self._run(request, queryset, purchase_order_submit, "submitted")

    @admin.action(description="Receive everything still open on selected orders")
    def receive_orders(self, request, queryset):
        self._run(request, queryset, purchase_order_receive, "received")

    @admin.action(description="Cancel selected orders")
    def cancel_orders(self, request, queryset):
        self._run(request, queryset, purchase_order_cancel, "cancelled")
