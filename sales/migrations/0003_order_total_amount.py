from decimal import Decimal

from django.db import migrations, models
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

MONEY = DecimalField(max_digits=14, decimal_places=2)


def backfill_totals(apps, schema_editor):
    """Every existing order's total from its lines, in one UPDATE (what the list annotated until now)."""
    Order = apps.get_model("sales", "SalesOrder")
    Item = apps.get_model("sales", "SalesOrderItem")
    line_total = ExpressionWrapper(F("quantity") * F("unit_price"), output_field=MONEY)
    totals = (
        Item.objects.filter(order=OuterRef("pk")).order_by().values("order").annotate(total=Sum(line_total)).values("total")
    )
    Order.objects.update(
        total_amount=Coalesce(Subquery(totals, output_field=MONEY), Value(Decimal("0.00")), output_field=MONEY)
    )


class Migration(migrations.Migration):
    dependencies = [("sales", "0002_search_trigram_indexes")]

    operations = [
        migrations.AddField(
            model_name="salesorder",
            name="total_amount",
            field=models.DecimalField(
                db_default=Decimal("0.00"), decimal_places=2, default=Decimal("0.00"), editable=False, max_digits=14
            ),
        ),
        migrations.RunPython(backfill_totals, migrations.RunPython.noop, elidable=True),
    ]
