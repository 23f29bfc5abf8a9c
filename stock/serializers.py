"""Stock serializers. No serializer here can write a quantity: stock changes only through `stock.services`.
The read serializers are plain `Serializer`s over the selectors' annotated querysets; the two big lists build their
dicts directly (levels in `to_representation`, movements in `stock.representations`), because on long pages the
per-field machinery of DRF costs more than the SQL. Their declared fields still describe the output for the OpenAPI
schema.
"""

from functools import cached_property

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers

from catalog.models import Variant
from core.field_copies import ShallowFieldCopies
from core.formats import iso_datetime
from core.pagination import LIST_ITEMS_HELP
from core.schema import request_examples
from core.tenancy import OrganizationPrimaryKeyRelatedField, UserRefSerializer
from stock.models import (
    AdjustmentReason,
    MovementType,
    Reason,
    StockAdjustment,
    StockLevel,
    Transfer,
    TransferItem,
    TransferStatus,
)
from stock.pairs import VariantAndWarehouseThroughLevel
from stock.representations import movement_data
from warehouses.models import Warehouse

# One line of stock may move at most this many units at once: a typo guard, far below the column's range.
MAX_LINE_QUANTITY = 1_000_000
MAX_TRANSFER_ITEMS = 500


# --- Levels ---------------------------------------------------------------------------------------------------------


# The attributes `StockLevelSerializer` reads, as `stock.selectors.stock_level_list()` names them: the columns to
# read when its levels come as rows.
LEVEL_ROW_COLUMNS = (
    *("id", "variant_id", "sku", "product_id", "product_name", "warehouse_id", "warehouse_name"),
    *("quantity", "reserved", "available", "reorder_level", "reorder_level_override", "is_low_stock", "updated_at"),
)


class StockLevelSerializer(serializers.Serializer):
    """A stock level as the contract lists it; expects `stock_level_list()` annotations."""

    id = serializers.IntegerField(read_only=True)
    variant = serializers.IntegerField(source="variant_id", read_only=True)
    sku = serializers.CharField(read_only=True)
    product = serializers.IntegerField(source="product_id", read_only=True)
    product_name = serializers.CharField(read_only=True)
    warehouse = serializers.IntegerField(source="warehouse_id", read_only=True)
    warehouse_name = serializers.CharField(read_only=True)
    quantity = serializers.IntegerField(read_only=True, help_text="Units on hand.")
    reserved = serializers.IntegerField(read_only=True, help_text="Units promised to pending sales orders.")
    available = serializers.IntegerField(read_only=True, help_text="`quantity - reserved`: what can be sold now.")
    reorder_level = serializers.IntegerField(read_only=True, help_text="The override if set, else the variant's.")
    reorder_level_override = serializers.IntegerField(read_only=True, allow_null=True)
    is_low_stock = serializers.BooleanField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, level):
        return {
            "id": level.id,
            "variant": level.variant_id,
            "sku": level.sku,
            "product": level.product_id,
            "product_name": level.product_name,
            "warehouse": level.warehouse_id,
            "warehouse_name": level.warehouse_name,
            "quantity": level.quantity,
            "reserved": level.reserved,
            "available": level.available,
            "reorder_level": level.reorder_level,
            "reorder_level_override": level.reorder_level_override,
            "is_low_stock": bool(level.is_low_stock),
            "updated_at": iso_datetime(level.updated_at, self.zone),
        }

    @cached_property
    def zone(self):
        """The current time zone, looked up once for a page: Django's lookup costs about as much as a row."""
        return timezone.get_current_timezone()


@request_examples(Override={"reorder_level_override": 12}, Clear_override={"reorder_level_override": None})
class StockLevelUpdateSerializer(serializers.ModelSerializer):
    """The one writable field of a level. `quantity` is not here on purpose."""

    class Meta:
        model = StockLevel
        fields = ["reorder_level_override"]
        extra_kwargs = {"reorder_level_override": {"min_value": 0, "max_value": MAX_LINE_QUANTITY}}


class StockReservationSerializer(serializers.Serializer):
    """Units of a level held for one line of a pending sales order; expects `stock_reservation_list()` rows."""

    id = serializers.IntegerField(read_only=True)
    sales_order = serializers.IntegerField(source="reference_id", read_only=True)
    sales_order_number = serializers.CharField(source="reference_number", read_only=True)
    item = serializers.IntegerField(source="line_id", read_only=True, help_text="The order line holding them.")
    variant = serializers.IntegerField(source="variant_id", read_only=True)
    sku = serializers.CharField(read_only=True)
    warehouse = serializers.IntegerField(source="warehouse_id", read_only=True)
    quantity = serializers.IntegerField(read_only=True, min_value=1, help_text="Units held now.")
    requested = serializers.IntegerField(read_only=True, help_text="Units the line asks for (held or not).")
    created_at = serializers.DateTimeField(read_only=True)


# --- Movements ------------------------------------------------------------------------------------------------------


class ReferenceSerializer(serializers.Serializer):
    type = serializers.CharField(read_only=True, help_text="adjustment, transfer, purchase_order, sales_order…")
    id = serializers.IntegerField(read_only=True)


class StockMovementSerializer(serializers.Serializer):
    """A ledger entry. Works on `stock_movement_list()` rows (annotated) and on movements with their relations
    selected (nested in an adjustment).
    """

    id = serializers.IntegerField(read_only=True)
    variant = serializers.IntegerField(source="variant_id", read_only=True)
    sku = serializers.CharField(read_only=True)
    product = serializers.IntegerField(source="product_id", read_only=True)
    product_name = serializers.CharField(read_only=True)
    warehouse = serializers.IntegerField(source="warehouse_id", read_only=True)
    warehouse_name = serializers.CharField(read_only=True)
    movement_type = serializers.ChoiceField(choices=MovementType.choices, read_only=True)
    reason = serializers.ChoiceField(choices=Reason.choices, read_only=True)
    quantity = serializers.IntegerField(read_only=True, min_value=1)
    balance_after = serializers.IntegerField(read_only=True)
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, allow_null=True)
    reference = ReferenceSerializer(read_only=True, allow_null=True)
    performed_by = UserRefSerializer(read_only=True, allow_null=True)
    note = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, movement):
        return movement_data(movement)


# --- Input helpers --------------------------------------------------------------------------------------------------


class _VariantOrSkuMixin:
    """`variant` (an id) or `sku` (resolved within the caller's organization), exactly one of them."""

    def _resolve_variant(self, attrs: dict) -> dict:
        variant, sku = attrs.get("variant"), attrs.pop("sku", None)
        if variant is not None and sku is not None:
            raise serializers.ValidationError({"sku": ["Give either variant or sku, not both."]})
        if variant is None and sku is None:
            raise serializers.ValidationError({"variant": ["Give a variant id or a sku."]})
        if variant is None:
            request = self.context["request"]
            variant = (
                Variant.objects.select_related("product")
                .filter(organization_id=request.user.organization_id, sku=sku)
                .first()
            )
            if variant is None:
                raise serializers.ValidationError({"sku": [f"No variant with SKU '{sku}'."]})
            attrs["variant"] = variant
        return attrs


# --- Adjustments ----------------------------------------------------------------------------------------------------


class StockAdjustmentCreateSerializer(
    ShallowFieldCopies, VariantAndWarehouseThroughLevel, _VariantOrSkuMixin, serializers.Serializer
):
    # With its product: the response names it.
    variant = OrganizationPrimaryKeyRelatedField(queryset=Variant.objects.select_related("product"), required=False)
    sku = serializers.CharField(required=False, max_length=64, help_text="Instead of variant.")
    warehouse = OrganizationPrimaryKeyRelatedField(queryset=Warehouse.objects.all())
    quantity = serializers.IntegerField(
        required=False,
        min_value=-MAX_LINE_QUANTITY,
        max_value=MAX_LINE_QUANTITY,
        help_text="Signed change in units (non-zero). Either this or counted_quantity.",
    )
    counted_quantity = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_LINE_QUANTITY,
        help_text="The quantity physically counted; the level is brought to it.",
    )
    reason = serializers.ChoiceField(choices=AdjustmentReason.choices, default=AdjustmentReason.ADJUSTMENT)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def validate_quantity(self, value):
        if value == 0:
            raise serializers.ValidationError("A stock change cannot be of zero units.")
        return value

    def validate(self, attrs):
        attrs = self._resolve_variant(attrs)
        has_quantity, has_count = "quantity" in attrs, "counted_quantity" in attrs
        if has_quantity == has_count:
            raise serializers.ValidationError(
                {"quantity": ["Give either quantity (a signed change) or counted_quantity, not both."]}
            )
        if attrs["reason"] == AdjustmentReason.OPENING and attrs.get("quantity", 1) < 0:
            raise serializers.ValidationError({"quantity": ["Opening stock cannot be negative."]})
        return attrs


class StockAdjustmentSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="variant.sku", read_only=True)
    warehouse_name = serializers.CharField(source="warehouse.name", read_only=True)
    movement = StockMovementSerializer(read_only=True, allow_null=True)
    performed_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = StockAdjustment
        fields = [
            "id",
            "variant",
            "sku",
            "warehouse",
            "warehouse_name",
            "quantity",
            "counted_quantity",
            "reason",
            "note",
            "movement",
            "performed_by",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, adjustment):
        # The declared fields' output, built directly: DRF builds this ModelSerializer's fields for every instance,
        # which was a tenth of the CPU of a `POST /api/stock-adjustments/` (the ledger's hot write).
        movement = adjustment.movement
        return {
            "id": adjustment.id,
            "variant": adjustment.variant_id,
            "sku": adjustment.variant.sku,
            "warehouse": adjustment.warehouse_id,
            "warehouse_name": adjustment.warehouse.name,
            "quantity": adjustment.quantity,
            "counted_quantity": adjustment.counted_quantity,
            "reason": adjustment.reason,
            "note": adjustment.note,
            "movement": None if movement is None else movement_data(movement),
            "performed_by": (
                {"id": adjustment.performed_by_id, "username": adjustment.performed_by.username}
                if adjustment.performed_by_id
                else None
            ),
            "created_at": iso_datetime(adjustment.created_at),
        }


# --- Transfers ------------------------------------------------------------------------------------------------------


class TransferItemInputSerializer(_VariantOrSkuMixin, serializers.Serializer):
    variant = OrganizationPrimaryKeyRelatedField(queryset=Variant.objects.all(), required=False)
    sku = serializers.CharField(required=False, max_length=64, help_text="Instead of variant.")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)

    def validate(self, attrs):
        return self._resolve_variant(attrs)


class TransferCreateSerializer(serializers.Serializer):
    source_warehouse = OrganizationPrimaryKeyRelatedField(queryset=Warehouse.objects.all())
    destination_warehouse = OrganizationPrimaryKeyRelatedField(queryset=Warehouse.objects.all())
    items = TransferItemInputSerializer(many=True, max_length=settings.ORDER_MAX_LINES)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def validate_items(self, items):
        # Checked here rather than with allow_empty/max_length, so the error is keyed `items`, not
        # `items.non_field_errors`.
        if not items:
            raise serializers.ValidationError("A transfer needs at least one item.")
        if len(items) > MAX_TRANSFER_ITEMS:
            raise serializers.ValidationError(f"A transfer has at most {MAX_TRANSFER_ITEMS} items.")
        return items

    def validate(self, attrs):
        if attrs["source_warehouse"] == attrs["destination_warehouse"]:
            raise serializers.ValidationError(
                {"destination_warehouse": ["The destination must differ from the source warehouse."]}
            )
        return attrs


class TransferItemSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="variant.sku", read_only=True)
    product_name = serializers.CharField(source="variant.product.name", read_only=True)

    class Meta:
        model = TransferItem
        fields = ["id", "variant", "sku", "product_name", "quantity"]
        read_only_fields = fields


class TransferSerializer(serializers.ModelSerializer):
    source_warehouse_name = serializers.CharField(source="source_warehouse.name", read_only=True)
    destination_warehouse_name = serializers.CharField(source="destination_warehouse.name", read_only=True)
    status = serializers.ChoiceField(choices=TransferStatus.choices, read_only=True)
    items = TransferItemSerializer(many=True, read_only=True, source="lines", help_text=LIST_ITEMS_HELP)
    items_count = serializers.IntegerField(read_only=True, help_text="How many lines the transfer has.")
    requested_by = UserRefSerializer(read_only=True, allow_null=True)
    decided_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "number",
            "source_warehouse",
            "source_warehouse_name",
            "destination_warehouse",
            "destination_warehouse_name",
            "status",
            "items",
            "items_count",
            "note",
            "requested_by",
            "decided_by",
            "decided_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
