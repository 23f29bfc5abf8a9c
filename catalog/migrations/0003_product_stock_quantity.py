# Each product's total over its stock levels, kept by the ledger from now on; filled here from the levels.

from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce


def fill_from_levels(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    StockLevel = apps.get_model("stock", "StockLevel")
    totals = (
        StockLevel.objects.filter(variant__product_id=OuterRef("pk"))
        .order_by()
        .values("variant__product_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    Product.objects.update(stock_quantity=Coalesce(Subquery(totals), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_initial"),
        ("stock", "0006_movement_reason_index"),
        ("suppliers", "0002_initial"),
        ("users", "0002_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="stock_quantity",
            field=models.BigIntegerField(db_default=0, default=0, editable=False),
        ),
        migrations.RunPython(fill_from_levels, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(fields=["organization", "stock_quantity", "id"], name="product_org_stock_quantity"),
        ),
        migrations.AddConstraint(
            model_name="product",
            constraint=models.CheckConstraint(
                condition=models.Q(("stock_quantity__gte", 0)), name="product_stock_quantity_non_negative"
            ),
        ),
    ]
