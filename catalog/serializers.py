"""Catalog serializers: validation of bodies, and the shapes of the contract's responses.

Read shapes expect the annotations of `catalog.selectors` (`quantity`, `total_quantity`, `is_low_stock`,
`is_expired`, `has_expiry`, `product_count`); views always serialize objects fetched through a selector.
"""

from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from catalog.models import Category, Product, Variant
from core.exceptions import RequestTooLarge
from core.formats import iso_datetime, money
from core.schema import request_examples
from core.serializers import StrictCharField, StrictModelSerializer
from core.tenancy import OrganizationPrimaryKeyRelatedField, UserRefSerializer
from suppliers.models import Supplier

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}
MAX_UNITS = 2_147_483_647  # the largest value a PositiveIntegerField holds on every backend
MAX_ATTRIBUTES = 50
MAX_ATTRIBUTE_KEY_LENGTH = 64
MAX_ATTRIBUTE_VALUE_LENGTH = 200
SKU_MAX_LENGTH = Variant._meta.get_field("sku").max_length
BARCODE_MAX_LENGTH = Variant._meta.get_field("barcode").max_length
RESERVED_HELP = "Units promised to pending sales orders (all warehouses, or ?warehouse=)."
AVAILABLE_HELP = "`quantity - reserved`: units that can be sold now."
# Product.supplier points to the suppliers app, a floor above the catalog: reach its model through the field.


def _organization_id(serializer) -> int | None:
    request = serializer.context.get("request")
    return getattr(getattr(request, "user", None), "organization_id", None)


class AttributesField(serializers.DictField):
    """A flat JSON object of strings, e.g. `{"size": "M", "colour": "red"}`."""

    default_error_messages = {
        "not_a_dict": 'Expected an object of strings, like {{"size": "M"}}, but got {input_type}.',
        "too_many": f"At most {MAX_ATTRIBUTES} attributes.",
        "bad_key": f"Attribute names must be 1 to {MAX_ATTRIBUTE_KEY_LENGTH} characters.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "child",
            StrictCharField(allow_blank=True, max_length=MAX_ATTRIBUTE_VALUE_LENGTH, trim_whitespace=True),
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            if len(data) > MAX_ATTRIBUTES:
                self.fail("too_many")
            for key in data:
                stripped = str(key).strip()
                if not stripped or len(stripped) > MAX_ATTRIBUTE_KEY_LENGTH or "\x00" in stripped:
                    self.fail("bad_key")
        value = super().to_internal_value(data)
        return {str(key).strip(): item for key, item in value.items()}


class OrganizationIdField(OrganizationPrimaryKeyRelatedField):
    """An id of the caller's organization, as an integer (or a string of digits from a form), never `1.5`."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not (isinstance(data, int) or (isinstance(data, str) and data.isdigit())):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


# --- Read shapes, built directly -------------------------------------------------------------------------------------
# A page of products is 50 products and their variants: through DRF's per-field machinery (get_attribute, field
# to_representation, nested serializers) it cost about 13 ms of CPU, a third of the request (bench/README.md). The read
# serializers below keep their declared fields (validation, OpenAPI schema) but build their output with plain dicts,
# producing exactly what those fields would. The product list does not build model instances at all: it shapes rows
# (`product_rows_data`, below).


# The columns a variant shows inside its product, named as the model and `selectors.product_variant_rows()` name them.
_VARIANT_IN_PRODUCT = (
    "id",
    "sku",
    "barcode",
    "attributes",
    "price",
    "cost",
    "reorder_level",
    "quantity",
    "reserved",
    "is_low_stock",
)


def _variant_in_product(variant) -> dict:
    return _variant_row_in_product({name: getattr(variant, name) for name in _VARIANT_IN_PRODUCT})


def _variant_row_in_product(row: dict) -> dict:
    """A variant as its product shows it, from its columns (a `selectors.product_variant_rows()` row)."""
    return {
        "id": row["id"],
        "sku": row["sku"],
        "barcode": row["barcode"],
        "attributes": row["attributes"],
        "price": money(row["price"]),
        "cost": money(row["cost"]),
        "reorder_level": row["reorder_level"],
        "quantity": row["quantity"],
        "reserved": row["reserved"],
        "available": row["quantity"] - row["reserved"],
        "is_low_stock": bool(row["is_low_stock"]),
    }


def _product_row_data(row: dict, variants: list[dict], zone) -> dict:
    """A product as the API shows it, from its columns (a `selectors.product_rows()` row) and its variants' rows.

    The one place that shapes a product: `ProductSerializer` gives it a product's values, and the product list gives
    it the rows of a page directly (no model instances).
    """
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "category": row["category"],
        "category_name": row["category_name"],
        "supplier": row["supplier"],
        "supplier_name": row["supplier_name"],
        "expiration_date": row["expiration_date"].isoformat() if row["expiration_date"] else None,
        "is_active": row["is_active"],
        "variants": [_variant_row_in_product(variant) for variant in variants],
        "total_quantity": row["total_quantity"],
        "total_available": row["total_quantity"] - row["total_reserved"],
        "is_low_stock": bool(row["is_low_stock"]),
        "is_expired": bool(row["is_expired"]),
        "has_expiry": bool(row["has_expiry"]),
        "created_by": (
            {"id": row["created_by"], "username": row["created_by_username"]}
            if row["created_by"] is not None
            else None
        ),
        "created_at": iso_datetime(row["created_at"], zone),
        "updated_at": iso_datetime(row["updated_at"], zone),
    }


def product_rows_data(rows, variants_by_product: dict[int, list[dict]]) -> list[dict]:
    """The product list's results from `selectors.product_rows()` and `selectors.product_variant_rows()`: for each
    product exactly what `ProductSerializer` writes for it (tests/catalog/test_product_rows.py holds them equal).
    """
    zone = timezone.get_current_timezone()
    return [_product_row_data(row, variants_by_product[row["id"]], zone) for row in rows]


def _normalize_barcode(value):
    return value or None  # "" and null both mean "no barcode" (NULLs don't collide under the unique constraint)


class _VariantFieldsMixin(serializers.Serializer):
    sku = StrictCharField(max_length=SKU_MAX_LENGTH)
    barcode = StrictCharField(max_length=BARCODE_MAX_LENGTH, allow_blank=True, allow_null=True, required=False)
    attributes = AttributesField(required=False)
    price = serializers.DecimalField(**MONEY)
    cost = serializers.DecimalField(**MONEY, required=False)
    reorder_level = serializers.IntegerField(min_value=0, max_value=MAX_UNITS, required=False)

    def validate_barcode(self, value):
        return _normalize_barcode(value)


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
        return _variant_in_product(variant)


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
    cost = serializers.DecimalField(
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
        others = Variant.objects.filter(organization_id=_organization_id(self), **{field: value})
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
        value = _normalize_barcode(value and value.strip())
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
        others = Category.objects.filter(organization_id=_organization_id(self), name__iexact=value)
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
        category, supplier, created_by = product.category, product.supplier, product.created_by
        row = {
            "id": product.id,
            "name": product.name,
            "description": product.description,
            "category": product.category_id,
            "category_name": category.name if category is not None else None,
            "supplier": product.supplier_id,
            "supplier_name": supplier.name if supplier is not None else None,
            "expiration_date": product.expiration_date,
            "is_active": product.is_active,
            "total_quantity": product.total_quantity,
            "total_reserved": product.total_reserved,
            "is_low_stock": product.is_low_stock,
            "is_expired": product.is_expired,
            "has_expiry": product.has_expiry,
            "created_by": product.created_by_id,
            "created_by_username": created_by.username if created_by is not None else None,
            "created_at": product.created_at,
            "updated_at": product.updated_at,
        }
        variants = [
            {name: getattr(variant, name) for name in _VARIANT_IN_PRODUCT} for variant in product.variants.all()
        ]
        return _product_row_data(row, variants, timezone.get_current_timezone())


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
    price = serializers.DecimalField(**MONEY, required=False, write_only=True, help_text="Shorthand; required then.")
    cost = serializers.DecimalField(**MONEY, required=False, write_only=True)
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
        spec["barcode"] = _normalize_barcode((spec.get("barcode") or "").strip())
        return spec

    def _check_unique(self, variants: list[dict], prefix: str | None) -> None:
        """SKUs and barcodes must be unique within the body and within the organization."""
        errors: dict = {}

        def add(index: int, field: str, message: str) -> None:
            key = index if prefix else None
            target = errors.setdefault(key, {}) if key is not None else errors
            target.setdefault(field, []).append(message)

        organization_id = _organization_id(self)
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
