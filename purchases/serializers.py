"""Purchase order payloads: plain read serializers (fed by `selectors`, no queries of their own) and input
serializers whose validated data goes to `services`.
"""

from django.conf import settings
from rest_framework import serializers

from catalog.models import Variant
from core.pagination import LIST_ITEMS_HELP
from core.schema import request_examples
from core.serializers import MoneyField, StrictTextField
from core.tenancy import OrganizationPrimaryKeyRelatedField, UserRefSerializer
from purchases.models import CREATABLE_STATUS_CHOICES, PurchaseOrderStatus
from purchases.services import ItemInput, ReceiptLine
from suppliers.models import Supplier
from warehouses.models import Warehouse

MAX_LINE_QUANTITY = 1_000_000


# --- Reads --------------------------------------------------------------------------------------------------------


class PurchaseOrderItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    variant = serializers.IntegerField(source="variant_id", read_only=True)
    sku = serializers.CharField(source="variant.sku", read_only=True)
    quantity_ordered = serializers.IntegerField(read_only=True)
    quantity_received = serializers.IntegerField(read_only=True)
    quantity_open = serializers.IntegerField(read_only=True)
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    line_total = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)


class PurchaseOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    supplier = serializers.IntegerField(source="supplier_id", read_only=True)
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    warehouse = serializers.IntegerField(source="warehouse_id", read_only=True)
    status = serializers.ChoiceField(choices=PurchaseOrderStatus.choices, read_only=True)
    items = PurchaseOrderItemSerializer(many=True, read_only=True, source="lines", help_text=LIST_ITEMS_HELP)
    items_count = serializers.IntegerField(read_only=True, help_text="How many lines the order has.")
    total_amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    notes = serializers.CharField(read_only=True)
    created_by = UserRefSerializer(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    received_at = serializers.DateTimeField(read_only=True, allow_null=True)
    cancelled_at = serializers.DateTimeField(read_only=True, allow_null=True)


# --- Writes -------------------------------------------------------------------------------------------------------


class PurchaseOrderItemInputSerializer(serializers.Serializer):
    variant = OrganizationPrimaryKeyRelatedField(queryset=Variant.objects.all())
    quantity_ordered = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)
    unit_cost = MoneyField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text="Defaults to the variant's current average cost.",
    )


def _at_least_one(items: list, message: str) -> list:
    # DRF's own allow_empty=False error lands on "items.non_field_errors"; the contract's path is "items".
    if not items:
        raise serializers.ValidationError(message)
    return items


def item_inputs(items: list[dict]) -> list[ItemInput]:
    return [ItemInput(item["variant"], item["quantity_ordered"], item.get("unit_cost")) for item in items]


class PurchaseOrderCreateSerializer(serializers.Serializer):
    supplier = OrganizationPrimaryKeyRelatedField(queryset=Supplier.objects.all())
    warehouse = OrganizationPrimaryKeyRelatedField(queryset=Warehouse.objects.all())
    status = serializers.ChoiceField(
        choices=CREATABLE_STATUS_CHOICES,
        default=PurchaseOrderStatus.DRAFT,
        help_text='"received" is a direct purchase: the stock comes in at once.',
    )
    notes = StrictTextField(allow_blank=True, required=False, default="")
    items = PurchaseOrderItemInputSerializer(many=True, max_length=settings.ORDER_MAX_LINES)

    def validate_items(self, items):
        return _at_least_one(items, "An order needs at least one item.")


@request_examples(
    Replace_the_lines={"items": [{"variant": 1, "quantity_ordered": 24, "unit_cost": "9.50"}], "notes": "Rush"},
    Submit={"status": "submitted"},
)
class PurchaseOrderUpdateSerializer(serializers.Serializer):
    """Every field optional. Supplier, warehouse and items only in draft; `items` replaces all lines."""

    supplier = OrganizationPrimaryKeyRelatedField(queryset=Supplier.objects.all(), required=False)
    warehouse = OrganizationPrimaryKeyRelatedField(queryset=Warehouse.objects.all(), required=False)
    notes = StrictTextField(allow_blank=True, required=False)
    items = PurchaseOrderItemInputSerializer(many=True, required=False, max_length=settings.ORDER_MAX_LINES)
    status = serializers.ChoiceField(
        choices=PurchaseOrderStatus.choices,
        required=False,
        help_text='A move as the actions make it ("received" receives everything still open); '
        "anything else is 409 invalid_transition.",
    )

    def validate_items(self, items):
        return _at_least_one(items, "An order needs at least one item.")


class ReceiptLineSerializer(serializers.Serializer):
    item = serializers.IntegerField(help_text="The id of a line of this order.")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


class PurchaseOrderReceiveSerializer(serializers.Serializer):
    items = ReceiptLineSerializer(
        many=True,
        required=False,
        max_length=settings.ORDER_MAX_LINES,
        help_text="Omit to receive everything still open.",
    )

    def validate_items(self, items):
        return _at_least_one(items, "Name at least one item to receive, or omit items to receive everything.")

    def receipt_lines(self) -> list[ReceiptLine] | None:
        items = self.validated_data.get("items")
        if items is None:
            return None
        return [ReceiptLine(line["item"], line["quantity"]) for line in items]
