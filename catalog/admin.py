from django import forms
from django.contrib import admin
from django.db.models import Count

from catalog.models import Category, Product, Variant
from catalog.services import levels_follow_reorder_levels


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "product_count", "created_at"]
    list_filter = ["organization"]
    search_fields = ["name", "description"]
    list_select_related = ["organization"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(product_count=Count("products"))

    @admin.display(ordering="product_count", description="products")
    def product_count(self, obj):
        return obj.product_count


class VariantInlineForm(forms.ModelForm):
    """Checks SKU and barcode against the product's organization (the form has no organization field)."""

    class Meta:
        model = Variant
        fields = ["sku", "barcode", "attributes", "price", "cost", "reorder_level"]

    def _unique_in_organization(self, field: str):
        value = self.cleaned_data.get(field) or None
        product = getattr(self.instance, "product", None)
        if value is not None and product is not None:
            others = Variant.objects.filter(organization_id=product.organization_id, **{field: value})
            if others.exclude(pk=self.instance.pk).exists():
                raise forms.ValidationError(f"A variant with this {field} already exists in this organization.")
        return value

    def clean_sku(self):
        return self._unique_in_organization("sku")

    def clean_barcode(self):
        return self._unique_in_organization("barcode")


class VariantInline(admin.TabularInline):
    model = Variant
    form = VariantInlineForm
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "category", "supplier", "variant_count", "is_active", "expiration_date"]
    list_filter = ["is_active", "organization", "category"]
    search_fields = ["name", "description", "variants__sku", "variants__barcode"]
    list_select_related = ["organization", "category", "supplier"]
    autocomplete_fields = ["category", "supplier"]
    raw_id_fields = ["created_by"]
    readonly_fields = ["stock_quantity", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [VariantInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(variant_count=Count("variants"))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.save()
            return
        # The form's fields only: a full save would write back the `stock_quantity` this form read, erasing any
        # stock change the ledger committed since.
        obj.save(update_fields=[*form.fields, "updated_at"])  # read-only fields are not form fields

    @admin.display(ordering="variant_count", description="variants")
    def variant_count(self, obj):
        return obj.variant_count

    def save_formset(self, request, form, formset, change):
        # Variants belong to their product's organization.
        for variant in formset.save(commit=False):
            variant.organization_id = form.instance.organization_id
            variant.save()
        for variant in formset.deleted_objects:
            variant.delete()
        formset.save_m2m()
        # The stock levels' copy of a changed reorder level (the admin's change view is one transaction).
        levels_follow_reorder_levels(
            variant.pk for variant, fields in formset.changed_objects if "reorder_level" in fields
        )


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ["sku", "product", "barcode", "price", "cost", "reorder_level", "organization"]
    list_filter = ["organization"]
    search_fields = ["sku", "barcode", "product__name"]
    list_select_related = ["product", "organization"]
    raw_id_fields = ["product"]
    readonly_fields = ["created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # A variant stays with its product: its stock counts towards that product's `stock_quantity`.
        return [*self.readonly_fields, "product"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "reorder_level" in form.changed_data:
            levels_follow_reorder_levels([obj.pk])
