from django.db import migrations, models
from django.db.models import Min, OuterRef, Subquery


def backfill_min_prices(apps, schema_editor):
    """Every existing product's lowest variant price, in one UPDATE (what the list computed per query until now)."""
    Product = apps.get_model("catalog", "Product")
    Variant = apps.get_model("catalog", "Variant")
    lowest = (
        Variant.objects.filter(product_id=OuterRef("pk")).order_by().values("product_id").annotate(low=Min("price"))
    )
    Product.objects.update(min_price=Subquery(lowest.values("low")))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_ordering_indexes")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="min_price",
            field=models.DecimalField(blank=True, decimal_places=2, editable=False, max_digits=12, null=True),
        ),
        migrations.RunPython(backfill_min_prices, migrations.RunPython.noop, elidable=True),
    ]
