"""Sales order serializers: plain read serializers for the hot read paths, input serializers for the writes."""

from django.conf import settings
from rest_framework import serializers

from catalog.models import Variant
from core.pagination import LIST_ITEMS_HELP
from core.schema import request_examples
from core.serializers import MoneyField, StrictCharField, StrictTextField
from core.tenancy import OrganizationPrimaryKeyRelatedField, PrefetchedListSerializer, UserRefSerializer
from sales.models import CREATABLE_STATUS_CHOICES, ReservationStatus, SalesOrderStatus
from warehouses.models import Warehouse

MONEY = {"max_digits": 12, "decimal_places": 2}
MAX_QUANTITY = 1_000_000  # per line; far above any real order, far below what the columns hold
TOTAL = {"max_digits": 14, "decimal_places": 2}


# --- Read ---------------------------------------------------------------------------------------------------------
class SalesOrderItemSerializer(serializers.Serializer):
    """A line as read; expects the items prefetched with `variant__product` and `line_total` annotated."""

    id = serializers.IntegerField(read_only=True)
    variant = serializers.IntegerField(source="variant_id", read_only=True)
    sku = serializers.CharField(source="variant.sku", read_only=True)
    product_name = serializers.CharField(source="variant.product.name", read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    unit_price = serializers.DecimalField(**MONEY, read_only=True)
    line_total = serializers.DecimalField(**TOTAL, read_only=True)
    quantity_returned = serializers.IntegerField(read_only=True)
    quantity_reserved = serializers.IntegerField(
        read_only=True, help_text="Units held for this line while the order is pending (0 once it is not)."
    )


class SalesOrderSerializer(serializers.Serializer):
    """An order as read; expects `SalesOrder.objects.with_details()` (see `sales.selectors`)."""

    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    warehouse = serializers.IntegerField(source="warehouse_id", read_only=True)
    warehouse_name = serializers.CharField(source="warehouse.name", read_only=True)
    customer_name = serializers.CharField(read_only=True)
    customer_email = serializers.CharField(read_only=True)  # may be blank: not documented as format "email"
    notes = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=SalesOrderStatus.choices, read_only=True)
    reservation_status = serializers.ChoiceField(
        choices=ReservationStatus.choices,
        read_only=True,
        help_text="`reserved`: every line fully held; `partial`: some units; `none`: nothing (always once the order "
        "is no longer pending).",
    )
    rejection_reason = serializers.CharField(read_only=True)
    items = SalesOrderItemSerializer(many=True, read_only=True, source="lines", help_text=LIST_ITEMS_HELP)
    items_count = serializers.IntegerField(read_only=True, help_text="How many lines the order has.")
    total_amount = serializers.DecimalField(**TOTAL, read_only=True)
    created_by = UserRefSerializer(read_only=True)
    decided_by = UserRefSerializer(read_only=True, allow_null=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    fulfilled_at = serializers.DateTimeField(read_only=True, allow_null=True)
    updated_at = serializers.DateTimeField(read_only=True)


# --- Write --------------------------------------------------------------------------------------------------------
class SalesOrderItemInputSerializer(serializers.Serializer):
    # With its product: the created order's response names it.
    variant = OrganizationPrimaryKeyRelatedField(queryset=Variant.objects.select_related("product"))
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    unit_price = MoneyField(**MONEY, min_value=0, required=False, help_text="Defaults to the variant's price.")

    class Meta:
        list_serializer_class = PrefetchedListSerializer


class SalesOrderCreateSerializer(serializers.Serializer):
    warehouse = OrganizationPrimaryKeyRelatedField(queryset=Warehouse.objects.all())
    customer_name = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    customer_email = serializers.EmailField(required=False, allow_blank=True)
    notes = StrictTextField(required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(
        choices=CREATABLE_STATUS_CHOICES,
        required=False,
        help_text='Default "fulfilled" for staff and up (a sale: stock leaves at once); a viewer\'s order is always '
        '"pending" (a purchase request waiting for approval).',
    )
    items = SalesOrderItemInputSerializer(many=True, max_length=settings.ORDER_MAX_LINES)

    def validate_items(self, items):
        if not items:
            raise serializers.ValidationError("An order needs at least one item.")
        return items

    def validate_warehouse(self, warehouse):
        if not warehouse.is_active:
            raise serializers.ValidationError("This warehouse is not active.")
        return warehouse


@request_examples(
    Customer={"customer_name": "Jane Doe", "customer_email": "jane@example.com"},
    Fulfil={"status": "fulfilled"},
    Reject={"status": "rejected", "reason": "Out of season"},
)
class SalesOrderUpdateSerializer(serializers.Serializer):
    """PATCH: customer details while pending, and/or a status move (the operation that leads there runs)."""

    status = serializers.ChoiceField(choices=SalesOrderStatus.choices, required=False)
    reason = StrictTextField(
        required=False, allow_blank=True, write_only=True, help_text='Rejection reason, with `status: "rejected"`.'
    )
    customer_name = StrictCharField(max_length=200, required=False, allow_blank=True)
    customer_email = serializers.EmailField(required=False, allow_blank=True)
    notes = StrictTextField(required=False, allow_blank=True)

    def validate(self, attrs):
        if "items" in self.initial_data:
            raise serializers.ValidationError({"items": ["Items cannot be changed; cancel and create a new order."]})
        return attrs


@request_examples(Reject={"reason": "The customer withdrew the request"})
class SalesOrderRejectSerializer(serializers.Serializer):
    reason = StrictTextField(required=False, allow_blank=True, default="")


class SalesOrderReturnLineSerializer(serializers.Serializer):
    item = serializers.IntegerField(help_text="The id of a line of this order.")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class SalesOrderReturnSerializer(serializers.Serializer):
    items = SalesOrderReturnLineSerializer(
        many=True,
        max_length=settings.ORDER_MAX_LINES,
        required=False,
        help_text="Omitted: everything still out comes back.",
    )

    def validate_items(self, items):
        if not items:
            raise serializers.ValidationError("Name at least one line, or omit `items` to return everything.")
        return items
