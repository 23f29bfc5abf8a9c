from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Count

from users.assignable import assignable_warehouses
from users.models import Organization, PromotionRequest, User, UserStatus
from users.services import user_tokens_revoke
from users.signals import bump_after_commit


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "join_code", "user_count", "created_at"]
    search_fields = ["name", "join_code"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(user_count=Count("users"))

    @admin.display(description="users", ordering="user_count")
    def user_count(self, obj):
        return obj.user_count


def _warehouses_field() -> forms.ModelMultipleChoiceField:
    # The queryset is set per form: the warehouses app names it once Django is ready (users.assignable).
    return forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=FilteredSelectMultiple("warehouses", is_stacked=False)
    )


def _with_warehouses(form: forms.ModelForm) -> None:
    form.fields["warehouses"].queryset = assignable_warehouses()
    if form.instance.pk:
        form.initial.setdefault("warehouses", list(form.instance.warehouses.values_list("pk", flat=True)))


class UserWithWarehousesChangeForm(UserChangeForm):
    warehouses = _warehouses_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _with_warehouses(self)


class UserWithWarehousesCreationForm(AdminUserCreationForm):
    warehouses = _warehouses_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _with_warehouses(self)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserWithWarehousesChangeForm
    add_form = UserWithWarehousesCreationForm
    list_display = ["username", "email", "organization", "role", "status", "is_active", "last_login", "date_joined"]
    list_filter = ["role", "status", "is_active", "is_staff", "organization"]
    list_select_related = ["organization"]
    search_fields = ["username", "email", "first_name", "last_name", "phone", "organization__name"]
    autocomplete_fields = ["organization"]
    filter_horizontal = ["groups", "user_permissions"]
    actions = ["approve_selected"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email", "phone", "avatar")}),
        ("Stockroom", {"fields": ("organization", "role", "status", "warehouses")}),
        (
            "Django permissions",
            {
                "classes": ("collapse",),
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
            },
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "password1", "password2")}),
        ("Stockroom", {"classes": ("wide",), "fields": ("organization", "role", "warehouses")}),
    )

    def save_model(self, request, obj, form, change):
        # Keep `is_active` and `status` telling the same story, whichever of the two was edited here.
        if change and "status" in form.changed_data:
            obj.is_active = obj.status != UserStatus.DISMISSED
        elif "is_active" in form.changed_data:
            if not obj.is_active:
                obj.status = UserStatus.DISMISSED
            elif obj.status == UserStatus.DISMISSED:
                obj.status = UserStatus.ACTIVE
        super().save_model(request, obj, form, change)
        if not obj.is_active:
            user_tokens_revoke(user=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "warehouses" in form.cleaned_data:
            form.instance.warehouses.set(form.cleaned_data["warehouses"])

    @admin.action(description="Approve selected pending users")
    def approve_selected(self, request, queryset):
        pending = queryset.filter(status=UserStatus.PENDING)
        pending_ids = list(pending.values_list("pk", flat=True))
        approved = pending.update(status=UserStatus.ACTIVE, is_active=True)
        bump_after_commit(pending_ids)  # update() sends no post_save
        skipped = queryset.count() - approved
        self.message_user(request, f"Approved {approved} pending user(s).", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"Skipped {skipped} user(s) that were not pending.", messages.WARNING)


@admin.register(PromotionRequest)
class PromotionRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "requested_by", "status", "decided_by", "created_at", "decided_at", "organization"]
    list_filter = ["status", "organization"]
    list_select_related = ["user", "requested_by", "decided_by", "organization"]
    search_fields = ["user__username", "requested_by__username", "reason"]
    raw_id_fields = ["user", "requested_by", "decided_by"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"
