from decimal import Decimal

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery

from catalog.admin_fields import AttributesField
from catalog.models import Category, Product, Variant
from catalog.selectors import products_with_stock, variants_with_stock
from catalog.services import products_follow_prices
from catalog.stock_figures import stock_figures

# (label, lowest, highest): the price ranges the product and variant lists filter on.
PRICE_RANGES = {
    "under-10": ("under 10.00", None, Decimal("10")),
    "10-50": ("10.00 to 50.00", Decimal("10"), Decimal("50")),
    "over-50": ("over 50.00", Decimal("50"), None),
}


class PriceFilter(admin.SimpleListFilter):
    title = "price"
    parameter_name = "price"

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _low, _high) in PRICE_RANGES.items()]

    def queryset(self, request, queryset):
        if self.value() not in PRICE_RANGES:
            return queryset
        _label, low, high = PRICE_RANGES[self.value()]
        if low is not None:
            queryset = queryset.filter(price_shown__gte=low)
        return queryset.filter(price_shown__lt=high) if high is not None else queryset


class LowStockFilter(admin.SimpleListFilter):
    title = "low stock"
    parameter_name = "low_stock"

    def lookups(self, request, model_admin):
        return [("yes", "Low"), ("no", "Not low")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(is_low_stock=self.value() == "yes")
        return queryset


class StockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("out", "Out of stock"), ("in", "In stock")]

    def queryset(self, request, queryset):
        if self.value() == "out":
            return queryset.filter(stock_shown=0)
        if self.value() == "in":
            return queryset.filter(stock_shown__gt=0)
        return queryset


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

    attributes = AttributesField(required=False)

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
    list_display = [
        "name",
        "organization",
        "category",
        "variant_count",
        "stock",
        "lowest_price",
        "low_stock",
        "is_active",
        "expiration_date",
    ]
    list_filter = [LowStockFilter, StockFilter, PriceFilter, "is_active", "organization", "category"]
    search_fields = ["name", "description", "variants__sku", "variants__barcode"]
    list_select_related = ["organization", "category", "supplier"]
    autocomplete_fields = ["category", "supplier"]
    raw_id_fields = ["created_by"]
    readonly_fields = ["stock_quantity", "min_price", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [VariantInline]

    def get_queryset(self, request):
        variants = Variant.objects.filter(product_id=OuterRef("pk"))
        return products_with_stock(super().get_queryset(request)).annotate(
            variant_count=Subquery(variants.values("product_id").annotate(n=Count("pk")).values("n")[:1]),
            price_shown=F("min_price"),
            stock_shown=F("stock_quantity"),
        )

    @admin.display(ordering="stock_shown", description="stock")
    def stock(self, obj):
        return obj.stock_shown

    @admin.display(ordering="price_shown", description="price from")
    def lowest_price(self, obj):
        return obj.price_shown

    @admin.display(boolean=True, ordering="is_low_stock", description="low stock")
    def low_stock(self, obj):
        return obj.is_low_stock

    def save_model(self, request, obj, form, change):
        if not change:
            obj.save()
            return
        if {"category", "expiration_date"} & set(form.changed_data):
            # The dashboard's stock totals count its stock elsewhere: mark its levels before the product's row is
            # locked by the save, as the ledger locks levels before products.
            stock_figures().levels_revalued(product_ids=[obj.pk])
        # The form's fields only: a full save would write back the `stock_quantity` this form read, erasing any
        # stock change the ledger committed since.
        obj.save(update_fields=[*form.fields, "updated_at"])  # read-only fields are not form fields

    @admin.display(ordering="variant_count", description="variants")
    def variant_count(self, obj):
        return obj.variant_count or 0

    def save_formset(self, request, form, formset, change):
        # Variants belong to their product's organization.
        for variant in formset.save(commit=False):
            variant.organization_id = form.instance.organization_id
            variant.save()
        for variant in formset.deleted_objects:
            variant.delete()
        formset.save_m2m()
        # The stock levels' copy of a changed reorder level, and the product's lowest price (the admin's change
        # view is one transaction).
        stock_figures().follow_reorder_levels(
            variant.pk for variant, fields in formset.changed_objects if "reorder_level" in fields
        )
        if formset.new_objects or formset.deleted_objects or formset.changed_objects:
            products_follow_prices([form.instance.pk])


class VariantForm(forms.ModelForm):
    attributes = AttributesField(required=False)

    class Meta:
        model = Variant
        fields = ["organization", "product", "sku", "barcode", "attributes", "price", "cost", "reorder_level"]


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    form = VariantForm
    list_display = [
        "sku",
        "product",
        "barcode",
        "price",
        "stock",
        "low_stock",
        "cost",
        "reorder_level",
        "organization",
    ]
    list_filter = [LowStockFilter, StockFilter, PriceFilter, "organization"]
    search_fields = ["sku", "barcode", "product__name"]
    list_select_related = ["product", "organization"]
    raw_id_fields = ["product"]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request):
        annotated = variants_with_stock(super().get_queryset(request))
        return annotated.annotate(price_shown=F("price"), stock_shown=F("quantity"))

    @admin.display(ordering="stock_shown", description="stock")
    def stock(self, obj):
        return obj.stock_shown

    @admin.display(boolean=True, ordering="is_low_stock", description="low stock")
    def low_stock(self, obj):
        return obj.is_low_stock

    def get_readonly_fields(self, request, obj=None):
        # A variant stays with its product: its stock counts towards that product's `stock_quantity`.
        return [*self.readonly_fields, "product"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"cost", "price"} & set(form.changed_data):
            stock_figures().levels_revalued(variant_ids=[obj.pk])
        if change and "reorder_level" in form.changed_data:
            stock_figures().follow_reorder_levels([obj.pk])
        if not change or "price" in form.changed_data:
            products_follow_prices([obj.product_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        products_follow_prices([obj.product_id])

    @transaction.atomic  # the list's "delete selected" action runs outside the admin's transactions
    def delete_queryset(self, request, queryset):
        product_ids = set(queryset.values_list("product_id", flat=True))
        super().delete_queryset(request, queryset)
        products_follow_prices(product_ids)
