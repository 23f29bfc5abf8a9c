"""Catalog serializers: validation of bodies, and the shapes of the contract's responses.

Read shapes expect the annotations of `catalog.selectors` (`quantity`, `total_quantity`, `is_low_stock`,
`is_expired`, `has_expiry`, `product_count`); views always serialize objects fetched through a selector.
"""

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from catalog.fields import (
    AVAILABLE_HELP,
    BARCODE_MAX_LENGTH,
    MAX_UNITS,
    MONEY,
    RESERVED_HELP,
    SKU_MAX_LENGTH,
    AttributesField,
    OrganizationIdField,
    normalize_barcode,
    organization_id_of,
)
from catalog.models import Category, Product, Variant
from catalog.representations import product_data, variant_in_product
from core.exceptions import RequestTooLarge
from core.schema import request_examples
from core.serializers import MoneyField, StrictCharField, StrictModelSerializer
from core.tenancy import UserRefSerializer
from suppliers.models import Supplier


class _VariantFieldsMixin(serializers.Serializer):
    sku = StrictCharField(max_length=SKU_MAX_LENGTH)
    barcode = StrictCharField(max_length=BARCODE_MAX_LENGTH, allow_blank=True, allow_null=True, required=False)
    attributes = AttributesField(required=False)
    price = MoneyField(**MONEY)
    cost = MoneyField(**MONEY, required=False)
    reorder_level = serializers.IntegerField(min_value=0, max_value=MAX_UNITS, required=False)

    def validate_barcode(self, value):
        return normalize_barcode(value)


class VariantInputSerializer(_VariantFieldsMixin):
    """One variant in a product's `variants: [...]` on create. `sku` may be omitted: one is generated."""

    sku = StrictCharField(max_length=SKU_MAX_LENGTH, required=False)


class ProductVariantSerializer(StrictModelSerializer):
    """A variant nested in a product."""

    quantity = serializers.IntegerField(read_only=True)
    reserved = serializers.IntegerField(read_only=True, help_text=RESERVED_HELP)
    available = serializers.IntegerField(read_only=True, help_text=AVAILABLE_HELP)
    is_low_stock = serializers.BooleanField(read_only=True)

    class Meta:
        model = Variant
        fields = [
            "id",
            "sku",
            "barcode",
            "attributes",
            "price",
            "cost",
            "reorder_level",
            "quantity",
            "reserved",
            "available",
            "is_low_stock",
        ]
        read_only_fields = fields

    def to_representation(self, variant):
        return variant_in_product(variant)


@request_examples(
    Variant={
        "sku": "TSHIRT-L",
        "barcode": "4006381333931",
        "attributes": {"size": "L", "colour": "navy"},
        "price": "24.90",
        "cost": "9.50",
        "reorder_level": 5,
    }
)
class VariantSerializer(_VariantFieldsMixin, StrictModelSerializer):
    """`/api/variants/` and `/api/products/{id}/variants/`. SKU and barcode are unique in the organization."""

    sku = StrictCharField(max_length=SKU_MAX_LENGTH, required=False, help_text="Generated when omitted.")
    product = serializers.PrimaryKeyRelatedField(read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    cost = MoneyField(
        **MONEY,
        required=False,
        help_text="Weighted average purchase cost, maintained by receipts; may be set by hand before any receipt.",
    )
    quantity = serializers.IntegerField(read_only=True, help_text="Units in stock (all warehouses, or ?warehouse=).")
    reserved = serializers.IntegerField(read_only=True, help_text=RESERVED_HELP)
    available = serializers.IntegerField(read_only=True, help_text=AVAILABLE_HELP)
    is_low_stock = serializers.BooleanField(read_only=True)

    class Meta:
        model = Variant
        fields = [
            "id",
            "product",
            "product_name",
            "sku",
            "barcode",
            "attributes",
            "price",
            "cost",
            "reorder_level",
            "quantity",
            "reserved",
            "available",
            "is_low_stock",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "product",
            "product_name",
            "quantity",
            "reserved",
            "available",
            "is_low_stock",
            "created_at",
            "updated_at",
        ]
        # Uniqueness is checked per organization in validate_sku/validate_barcode, keyed by field.
        validators = []

    def _taken(self, field: str, value) -> bool:
        if value is None:
            return False
        others = Variant.objects.filter(organization_id=organization_id_of(self), **{field: value})
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        return others.exists()

    def validate_sku(self, value):
        value = value.strip()
        if not value:
            raise serializers.ValidationError("This field may not be blank.")
        if self._taken("sku", value):
            raise serializers.ValidationError("A variant with this SKU already exists.")
        return value

    def validate_barcode(self, value):
        value = normalize_barcode(value and value.strip())
        if self._taken("barcode", value):
            raise serializers.ValidationError("A variant with this barcode already exists.")
        return value


@request_examples(Category={"name": "Beverages", "description": "Hot and cold drinks"})
class CategorySerializer(StrictModelSerializer):
    product_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Category
        fields = ["id", "name", "description", "product_count", "created_at"]
        read_only_fields = ["id", "product_count", "created_at"]
        validators = []

    def validate_name(self, value):
        value = value.strip()
        if not value:
            raise serializers.ValidationError("This field may not be blank.")
        others = Category.objects.filter(organization_id=organization_id_of(self), name__iexact=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError("A category with this name already exists.")
        return value


@request_examples(
    Product={
        "name": "Organic T-shirt",
        "description": "Cotton, fair trade",
        "category": 1,
        "supplier": 1,
        "expiration_date": None,
        "is_active": True,
    },
)
class ProductSerializer(StrictModelSerializer):
    """A product as every product route returns it, and the body of `PUT`/`PATCH`.

    Updates change the product's own fields; variants are managed at `/api/products/{id}/variants/` and
    `/api/variants/{id}/` (a `variants` key in an update body is ignored).
    """

    category = OrganizationIdField(queryset=Category.objects.all(), allow_null=True, required=False)
    category_name = serializers.CharField(source="category.name", read_only=True, default=None, allow_null=True)
    supplier = OrganizationIdField(queryset=Supplier.objects.all(), allow_null=True, required=False)
    supplier_name = serializers.CharField(source="supplier.name", read_only=True, default=None, allow_null=True)
    variants = ProductVariantSerializer(many=True, read_only=True)
    total_quantity = serializers.IntegerField(read_only=True, help_text="Units in stock over all variants.")
    total_available = serializers.IntegerField(
        read_only=True, help_text="Units in stock not promised to pending sales orders, over all variants."
    )
    is_low_stock = serializers.BooleanField(read_only=True)
    is_expired = serializers.BooleanField(read_only=True)
    has_expiry = serializers.BooleanField(read_only=True)
    created_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "description",
            "category",
            "category_name",
            "supplier",
            "supplier_name",
            "expiration_date",
            "is_active",
            "variants",
            "total_quantity",
            "total_available",
            "is_low_stock",
            "is_expired",
            "has_expiry",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_name(self, value):
        value = value.strip()
        if not value:
            raise serializers.ValidationError("This field may not be blank.")
        return value

    def to_representation(self, product):
        """The declared fields' output, built directly (expects `product_list()`'s annotations and relations)."""
        return product_data(product)


SHORTHAND_FIELDS = ("sku", "barcode", "attributes", "price", "cost", "reorder_level")


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "One default variant (shorthand)",
            value={
                "name": "Espresso beans 1 kg",
                "category": 1,
                "price": "18.50",
                "cost": "11.20",
                "reorder_level": 10,
            },
            request_only=True,
        ),
        OpenApiExample(
            "Several variants",
            value={
                "name": "T-shirt",
                "category": 2,
                "supplier": 1,
                "variants": [
                    {"sku": "TS-S", "attributes": {"size": "S"}, "price": "12.00"},
                    {"sku": "TS-M", "attributes": {"size": "M"}, "price": "12.00", "barcode": "4006381333931"},
                ],
            },
            request_only=True,
        ),
    ]
)
class ProductCreateSerializer(ProductSerializer):
    """Create a product with `variants: [...]`, or with the shorthand fields that make one default variant."""

    # A ListField (not many=True) so a non-list or an empty list is reported on `variants` itself.
    variants = serializers.ListField(child=VariantInputSerializer(), required=False, allow_empty=False, max_length=100)
    sku = StrictCharField(
        max_length=SKU_MAX_LENGTH, required=False, write_only=True, help_text="Shorthand; generated when omitted."
    )
    barcode = StrictCharField(
        max_length=BARCODE_MAX_LENGTH, required=False, allow_blank=True, allow_null=True, write_only=True
    )
    attributes = AttributesField(required=False, write_only=True)
    price = MoneyField(**MONEY, required=False, write_only=True, help_text="Shorthand; required then.")
    cost = MoneyField(**MONEY, required=False, write_only=True)
    reorder_level = serializers.IntegerField(min_value=0, max_value=MAX_UNITS, required=False, write_only=True)

    class Meta(ProductSerializer.Meta):
        fields = [*ProductSerializer.Meta.fields, *SHORTHAND_FIELDS]

    def validate(self, attrs):
        shorthand = {field: attrs.pop(field) for field in SHORTHAND_FIELDS if field in attrs}
        variants = attrs.pop("variants", None)
        if variants is not None and shorthand:
            raise serializers.ValidationError(
                "Give either `variants` or the single-variant shorthand (sku, barcode, attributes, price, cost, "
                f"reorder_level), not both. Got both `variants` and: {', '.join(sorted(shorthand))}."
            )
        if variants is None:
            if "price" not in shorthand:
                raise serializers.ValidationError({"price": ["This field is required (or give `variants`)."]})
            variants = [shorthand]
            prefix = None
        else:
            prefix = "variants"
        variants = [self._clean_variant(spec) for spec in variants]
        self._check_unique(variants, prefix)
        self.variants_key = prefix  # where a late uniqueness error belongs: `variants.0.sku`, or `sku`
        attrs["variants"] = variants
        return attrs

    @staticmethod
    def _clean_variant(spec: dict) -> dict:
        spec = dict(spec)
        if "sku" in spec:
            spec["sku"] = spec["sku"].strip() or None
        spec["barcode"] = normalize_barcode((spec.get("barcode") or "").strip())
        return spec

    def _check_unique(self, variants: list[dict], prefix: str | None) -> None:
        """SKUs and barcodes must be unique within the body and within the organization."""
        errors: dict = {}

        def add(index: int, field: str, message: str) -> None:
            key = index if prefix else None
            target = errors.setdefault(key, {}) if key is not None else errors
            target.setdefault(field, []).append(message)

        organization_id = organization_id_of(self)
        for field, label in (("sku", "SKU"), ("barcode", "barcode")):
            values = [spec.get(field) for spec in variants]
            wanted = {value for value in values if value}
            taken = set(
                Variant.objects.filter(organization_id=organization_id, **{f"{field}__in": wanted}).values_list(
                    field, flat=True
                )
            )
            seen: set = set()
            for index, value in enumerate(values):
                if not value:
                    continue
                if value in taken:
                    add(index, field, f"A variant with this {label} already exists.")
                elif value in seen:
                    add(index, field, f"This {label} appears twice in `variants`.")
                seen.add(value)
        if errors:
            raise serializers.ValidationError({prefix: errors} if prefix else errors)


class ProductImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A UTF-8 CSV with a header row: name, category, sku, barcode, price, cost, reorder_level, "
        "supplier. Rows create or update variants by SKU."
    )

    def validate_file(self, file):
        if file.size > settings.CSV_IMPORT_MAX_BYTES:
            raise RequestTooLarge(
                f"The file is larger than {settings.CSV_IMPORT_MAX_BYTES} bytes (CSV_IMPORT_MAX_BYTES); split it."
            )
        return file


class ProductImportResultSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField(help_text="Variants created.")
    updated = serializers.IntegerField(help_text="Variants updated.")
    products_created = serializers.IntegerField()
    categories_created = serializers.IntegerField()
    suppliers_created = serializers.IntegerField()
