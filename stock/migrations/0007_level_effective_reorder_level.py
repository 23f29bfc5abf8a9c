# Each level's effective reorder level, kept on the row from now on; filled here from the overrides and variants.

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_effective_reorder_levels(apps, schema_editor):
    StockLevel = apps.get_model("stock", "StockLevel")
    Variant = apps.get_model("catalog", "Variant")
    variant_level = Variant.objects.filter(pk=OuterRef("variant_id")).values("reorder_level")
    StockLevel.objects.filter(reorder_level_override__isnull=True).update(reorder_level=Subquery(variant_level))
    StockLevel.objects.filter(reorder_level_override__isnull=False).update(
        reorder_level=models.F("reorder_level_override")
    )


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_product_stock_quantity'),
        ('stock', '0006_movement_reason_index'),
        ('users', '0002_initial'),
        ('warehouses', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='stocklevel',
            name='reorder_level',
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
        ),
        migrations.RunPython(fill_effective_reorder_levels, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='stocklevel',
            index=models.Index(condition=models.Q(('quantity__lte', models.F('reorder_level'))), fields=['variant'], name='stock_level_low_by_variant'),
        ),
        migrations.AddIndex(
            model_name='stocklevel',
            index=models.Index(condition=models.Q(('quantity__lte', models.F('reorder_level'))), fields=['organization', 'warehouse'], name='stock_level_low_by_warehouse'),
        ),
    ]
