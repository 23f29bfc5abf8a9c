"""Backfill the product periods from the shipped orders' lines, net of returns.

Two `INSERT ... SELECT ... GROUP BY` (PostgreSQL and SQLite alike), one per period (the UTC day of fulfilment, and
its ISO week), each row folded already; a key that nets out to nothing gets no row. Run with the writers stopped.
"""

import datetime as dt

from django.db import migrations
from django.db.models import DateField, F, IntegerField, Sum, Value
from django.db.models.functions import Round, Trunc, TruncDate

from core.tallies import insert_select

SHIPPED = ("fulfilled", "partially_returned", "returned")
COLUMNS = ("organization_id", "product_id", "days", "start", "units", "revenue_cents", "folded")


def backfill(apps, schema_editor):
    SalesOrderItem = apps.get_model("sales", "SalesOrderItem")
    SalesProductPeriod = apps.get_model("sales", "SalesProductPeriod")
    SalesProductPeriod.objects.all().delete()
    net = F("quantity") - F("quantity_returned")
    day = TruncDate("order__fulfilled_at", tzinfo=dt.UTC)
    for days, start in ((1, day), (7, Trunc(day, "week", output_field=DateField()))):
        rows = (
            SalesOrderItem.objects.filter(order__status__in=SHIPPED, order__fulfilled_at__isnull=False)
            .order_by()
            .annotate(organization_id=F("order__organization_id"), product_id=F("variant__product_id"), start=start)
            .values_list("organization_id", "product_id", Value(days, output_field=IntegerField()), "start")
            .annotate(units=Sum(net), revenue_cents=Sum(net * Round(F("unit_price") * 100)))
            .exclude(units=0, revenue_cents=0)  # a sale fully returned leaves no row
            .annotate(folded=Value(True))
        )
        insert_select(SalesProductPeriod, COLUMNS, rows)


class Migration(migrations.Migration):
    dependencies = [("sales", "0007_product_periods")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
