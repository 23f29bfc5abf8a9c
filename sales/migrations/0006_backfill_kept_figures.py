"""Backfill the kept sales figures from the orders, their lines and the ledger's sale and return movements.

Three `INSERT ... SELECT ... GROUP BY` (PostgreSQL and SQLite alike): a day's lines and its ledger costs land as two
tally rows of the same key, which the compaction folds later. Run with the writers stopped.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations
from django.db.models import Case, Count, DecimalField, ExpressionWrapper, F, IntegerField, OuterRef, Q
from django.db.models import Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate

from core.tallies import insert_select

SHIPPED = ("fulfilled", "partially_returned", "returned")
MONEY = DecimalField(max_digits=20, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)


def backfill(apps, schema_editor):
    SalesOrder = apps.get_model("sales", "SalesOrder")
    SalesOrderItem = apps.get_model("sales", "SalesOrderItem")
    SalesDay = apps.get_model("sales", "SalesDay")
    SalesVariantDay = apps.get_model("sales", "SalesVariantDay")
    StockMovement = apps.get_model("stock", "StockMovement")
    SalesDay.objects.all().delete()
    SalesVariantDay.objects.all().delete()

    net = ExpressionWrapper(F("quantity") - F("quantity_returned"), output_field=IntegerField())
    net_amount = ExpressionWrapper(net * F("unit_price"), output_field=MONEY)
    items = (
        SalesOrderItem.objects.filter(order__status__in=SHIPPED, order__fulfilled_at__isnull=False)
        .order_by()
        .annotate(
            organization_id=F("order__organization_id"),
            warehouse_id=F("order__warehouse_id"),
            day=TruncDate("order__fulfilled_at", tzinfo=dt.UTC),
        )
    )
    days = (
        items.annotate(decided_by_id=F("order__decided_by_id"))
        .values_list("organization_id", "warehouse_id", "day", "decided_by_id")
        .annotate(
            orders=Count("order", distinct=True, filter=~Q(order__status="returned")),
            units=Coalesce(Sum(net), 0),
            amount=Coalesce(Sum(net_amount), ZERO, output_field=MONEY),
            cost=ZERO,
            fulfilled=Count("order", distinct=True),
        )
    )
    day_columns = ("organization_id", "warehouse_id", "day", "decided_by_id", "orders", "units", "amount", "cost")
    day_columns += ("fulfilled",)
    insert_select(SalesDay, day_columns, days)

    fulfilled = SalesOrder.objects.filter(pk=OuterRef("reference_id"), status__in=SHIPPED)
    day = Subquery(fulfilled.annotate(day=TruncDate("fulfilled_at", tzinfo=dt.UTC)).values("day")[:1])
    decider = Subquery(fulfilled.values("decided_by_id")[:1])
    at_cost = ExpressionWrapper(F("quantity") * F("unit_cost"), output_field=MONEY)
    signed = Case(
        When(movement_type="OUT", then=at_cost),
        default=ExpressionWrapper(-at_cost, output_field=MONEY),
        output_field=MONEY,
    )
    costs = (
        StockMovement.objects.filter(reference_type="sales_order")
        .filter(Q(movement_type="OUT", reason="sale") | Q(movement_type="IN", reason="return"))
        .order_by()
        .annotate(day=day, decider=decider)
        .filter(day__isnull=False)
        .values_list("organization_id", "warehouse_id", "day", "decider")
        .annotate(
            orders=Value(0, output_field=IntegerField()),
            units=Value(0, output_field=IntegerField()),
            amount=ZERO,
            cost=Coalesce(Sum(signed), ZERO, output_field=MONEY),
            fulfilled=Value(0, output_field=IntegerField()),
        )
    )
    insert_select(SalesDay, day_columns, costs)

    variants = items.values_list("organization_id", "warehouse_id", "variant_id", "day").annotate(
        units=Coalesce(Sum(net), 0), revenue=Coalesce(Sum(net_amount), ZERO, output_field=MONEY)
    )
    insert_select(SalesVariantDay, ("organization_id", "warehouse_id", "variant_id", "day", "units", "revenue"), variants)


class Migration(migrations.Migration):
    dependencies = [("sales", "0005_kept_figures"), ("stock", "0014_backfill_movement_days")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
