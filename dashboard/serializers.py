"""The dashboard's query strings and response shapes.

Query serializers validate `?from=&to=&days=&limit=&by=&warehouse=` (400 with the field named on bad input).
Response serializers only shape what the selectors computed; money leaves here as a string with two places.
Their declared fields are both the output and its documentation (OpenAPI): a dashboard is one small object, cached,
so DRF's fields write it (the hot lists of `catalog` and `stock` build theirs by hand).
Some contract names are Python keywords (`from`, `in`): `KeywordFieldsMixin` adds those fields by name.
"""

import datetime as dt
from decimal import ROUND_HALF_UP

from rest_framework import serializers

from core.dates import DayRange, today_utc
from core.serializers import KeywordFieldsMixin, StrictDateField
from core.tenancy import OrganizationPrimaryKeyRelatedField
from dashboard.selectors import TopProductsBy
from stock.serializers import StockLevelSerializer
from warehouses.models import Warehouse

DEFAULT_DAYS = 30
MAX_DAYS = 366
DEFAULT_TOP_PRODUCTS = 10
MAX_TOP_PRODUCTS = 100


class MoneyField(serializers.DecimalField):
    """A decimal string with two places (`"1200.00"`), as the contract writes money."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(max_digits=None, decimal_places=2, rounding=ROUND_HALF_UP, **kwargs)


# --- Query strings --------------------------------------------------------------------------------------------------


class DashboardQuerySerializer(serializers.Serializer):
    warehouse = OrganizationPrimaryKeyRelatedField(
        queryset=Warehouse.objects.all(),
        required=False,
        help_text="Only this warehouse (a manager's own; another organization's id is a 400).",
    )


def _date_range(attrs: dict) -> DayRange:
    """The `from`/`to` range: both inclusive; by default the 30 days ending `to` (today, UTC)."""
    start, end = attrs.get("from"), attrs.get("to")
    try:
        end = end or today_utc()
        start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        days = DayRange(start, end)
        days.end_before  # noqa: B018  (the day after `to` must exist in the calendar too)
    except OverflowError:
        raise serializers.ValidationError({"from": ["This range reaches outside the supported calendar."]}) from None
    if start > end:
        raise serializers.ValidationError({"from": ["Must be on or before `to`."]})
    if (end - start).days + 1 > MAX_DAYS:
        raise serializers.ValidationError({"from": [f"A range covers at most {MAX_DAYS} days."]})
    return days


class DateRangeQuerySerializer(KeywordFieldsMixin, DashboardQuerySerializer):
    keyword_fields = {
        "from": lambda: StrictDateField(required=False, help_text="First day, YYYY-MM-DD (UTC); 29 days before `to`."),
        "to": lambda: StrictDateField(required=False, help_text="Last day, YYYY-MM-DD (UTC), inclusive; today."),
    }

    def validate(self, attrs):
        attrs["days"] = _date_range(attrs)
        return attrs


class TopProductsQuerySerializer(DateRangeQuerySerializer):
    limit = serializers.IntegerField(min_value=1, max_value=MAX_TOP_PRODUCTS, default=DEFAULT_TOP_PRODUCTS)
    by = serializers.ChoiceField(
        choices=TopProductsBy.CHOICES, default=TopProductsBy.UNITS, help_text="Rank by units sold or by revenue."
    )


class DaysQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(
        min_value=1, max_value=MAX_DAYS, default=DEFAULT_DAYS, help_text="How many days, ending today (UTC)."
    )

    def validate(self, attrs):
        attrs["range"] = DayRange.last_days(attrs["days"])
        return attrs


class TrendsQuerySerializer(DaysQuerySerializer, DashboardQuerySerializer):
    pass


# --- Responses ------------------------------------------------------------------------------------------------------


class CountsSerializer(serializers.Serializer):
    total_products = serializers.IntegerField(help_text="Products in the organization's catalog.")
    total_categories = serializers.IntegerField()
    total_suppliers = serializers.IntegerField()
    total_warehouses = serializers.IntegerField(help_text="Warehouses in scope (a manager's own).")
    low_stock = serializers.IntegerField(help_text="Low stock levels in scope (quantity <= reorder level).")
    expired_products = serializers.IntegerField(help_text="Products whose expiration date is today or earlier (UTC).")


class StockTotalsSerializer(serializers.Serializer):
    total_stock = serializers.IntegerField(help_text="Units on hand in scope.")
    total_reserved = serializers.IntegerField(help_text="Units of those promised to pending sales orders.")
    total_available = serializers.IntegerField(help_text="`total_stock - total_reserved`: units that can be sold.")


class FinancialSerializer(serializers.Serializer):
    total_inventory_value = MoneyField(help_text="Σ quantity × variant cost, expired stock included.")
    total_retail_value = MoneyField(help_text="Σ quantity × variant price.")
    expired_inventory_value = MoneyField(help_text="The cost value of stock of expired products.")
    real_inventory_value = MoneyField(help_text="total_inventory_value − expired_inventory_value.")


class CategoryValueSerializer(serializers.Serializer):
    category = serializers.IntegerField(allow_null=True, help_text="The category id; null for products without one.")
    category_name = serializers.CharField()
    total_value = MoneyField(help_text="Σ quantity × variant cost of the category's stock in scope.")


class OverviewSerializer(serializers.Serializer):
    counts = CountsSerializer()
    stock = StockTotalsSerializer()
    financial = FinancialSerializer()
    analytics = CategoryValueSerializer(many=True, help_text="One row per category, highest value first.")


class LowStockPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = StockLevelSerializer(many=True)


class SalesDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    orders = serializers.IntegerField()
    units = serializers.IntegerField()
    amount = MoneyField()


class SalesSummarySerializer(KeywordFieldsMixin, serializers.Serializer):
    """Sales fulfilled in the range (`from`..`to`, UTC days), net of returns."""

    keyword_fields = {"from": serializers.DateField, "to": serializers.DateField}
    field_order = ("from", "to")

    orders_count = serializers.IntegerField(help_text="Orders fulfilled in the range that are not fully returned.")
    units_sold = serializers.IntegerField(help_text="Units sold, net of returns.")
    total_sales_amount = MoneyField(help_text="Σ (quantity − returned) × unit price.")
    cost_of_goods_sold = MoneyField(help_text="Unit costs recorded on the sale movements, less returned units.")
    gross_margin = MoneyField(help_text="total_sales_amount − cost_of_goods_sold.")
    gross_margin_percent = serializers.DecimalField(
        max_digits=None,
        decimal_places=2,
        rounding=ROUND_HALF_UP,
        allow_null=True,
        help_text="gross_margin / total_sales_amount × 100; null when nothing was sold.",
    )
    by_day = SalesDaySerializer(many=True, help_text="Every day of the range, oldest first.")


class TopProductSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    product_name = serializers.CharField()
    units = serializers.IntegerField(help_text="Units sold in the range, net of returns.")
    revenue = MoneyField(help_text="Σ (quantity − returned) × unit price.")


class StockDaySerializer(KeywordFieldsMixin, serializers.Serializer):
    """Units in and out on one UTC day."""

    keyword_fields = {"in": lambda: serializers.IntegerField(help_text="Units that came in.")}
    field_order = ("date", "in", "out", "net")

    date = serializers.DateField()
    out = serializers.IntegerField(help_text="Units that went out.")
    net = serializers.IntegerField(help_text="in − out.")


class StaffActivitySerializer(serializers.Serializer):
    user = serializers.IntegerField()
    username = serializers.CharField()
    movements = serializers.IntegerField(help_text="Stock movements they performed in this warehouse.")
    sales_orders = serializers.IntegerField(help_text="Sales orders they fulfilled from this warehouse.")


class WarehouseDashboardSerializer(KeywordFieldsMixin, serializers.Serializer):
    """One warehouse: stock on hand, low levels, movements per day and staff activity over `from`..`to`."""

    keyword_fields = {"from": serializers.DateField, "to": serializers.DateField}
    field_order = ("warehouse", "warehouse_name", "warehouse_code", "from", "to")

    warehouse = serializers.IntegerField()
    warehouse_name = serializers.CharField()
    warehouse_code = serializers.CharField()
    total_stock = serializers.IntegerField()
    inventory_value = MoneyField(help_text="Σ quantity × variant cost.")
    retail_value = MoneyField(help_text="Σ quantity × variant price.")
    low_stock_count = serializers.IntegerField()
    low_stock = StockLevelSerializer(many=True, help_text="The most urgent low levels (up to 20).")
    movements_by_day = StockDaySerializer(many=True, help_text="Every day of the range, oldest first.")
    staff_activity = StaffActivitySerializer(
        many=True, help_text="Users assigned to the warehouse and anyone who worked in it in the range."
    )
