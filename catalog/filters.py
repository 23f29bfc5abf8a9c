"""Query-string filters of the catalog lists. Ids of another organization answer 400."""

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from catalog.models import Category, Product, Variant
from catalog.stock_figures import stock_figures
from core.filters import BooleanFilter, FilterSet
from suppliers.models import Supplier
from warehouses.models import Warehouse


def _of_organization(model):
    def queryset(request):
        user = getattr(request, "user", None)
        organization_id = getattr(user, "organization_id", None)
        if organization_id is None:
            return model.objects.none()
        return model.objects.filter(organization_id=organization_id)

    return queryset


@extend_schema_field(OpenApiTypes.INT)
class WarehouseChoiceFilter(filters.ModelChoiceFilter):
    """A warehouse id of the caller's organization (documented as an integer)."""


class _WarehouseFilterMixin(FilterSet):
    warehouse = WarehouseChoiceFilter(
        queryset=_of_organization(Warehouse),
        method="filter_warehouse",
        help_text="Count stock in this warehouse only (quantity, total_quantity, is_low_stock).",
    )

    def filter_warehouse(self, queryset, name, value):
        # The stock annotations are built for the warehouse by the view's selector call; here it is only validated.
        return queryset


class ProductFilter(_WarehouseFilterMixin):
    category = filters.ModelChoiceFilter(queryset=_of_organization(Category))
    supplier = filters.ModelChoiceFilter(queryset=_of_organization(Supplier))
    is_active = BooleanFilter()
    is_low_stock = BooleanFilter(
        method="filter_is_low_stock",
        help_text="Products with a low stock level, or a variant never stocked that has a reorder level "
        "(in `?warehouse=` only, when given).",
    )
    is_expired = BooleanFilter(help_text="Expiration date today or earlier (UTC).")
    has_expiry = BooleanFilter()
    kept = ("is_active", "is_low_stock", "is_expired", "has_expiry")
    kept_ids = {"category": Category, "supplier": Supplier, "warehouse": Warehouse}

    class Meta:
        model = Product
        fields = ["category", "supplier", "is_active", "is_low_stock", "is_expired", "has_expiry", "warehouse"]

    def filter_is_low_stock(self, queryset, name, value):
        if value is None:
            return queryset
        warehouse = self.form.cleaned_data.get("warehouse")
        low = stock_figures().products_low_stock(
            organization_id=getattr(self.request.user, "organization_id", None),
            warehouse_ids=None if warehouse is None else [warehouse.pk],
        )
        return queryset.filter(low) if value else queryset.exclude(low)


class ProductVariantsFilter(_WarehouseFilterMixin):
    """`/api/products/{id}/variants/` takes `?warehouse=` only; an invalid one is a 400 there as on the lists."""

    class Meta:
        model = Variant
        fields = ["warehouse"]


class VariantFilter(_WarehouseFilterMixin):
    product = filters.ModelChoiceFilter(queryset=_of_organization(Product))
    sku = filters.CharFilter()
    barcode = filters.CharFilter()
    is_low_stock = BooleanFilter()

    class Meta:
        model = Variant
        fields = ["product", "sku", "barcode", "is_low_stock", "warehouse"]
