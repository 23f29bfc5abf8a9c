# The movement list pages newest first by (created_at, id): one index in that order per filter, replacing the -id
# ones and the (organization, created_at) / (warehouse, created_at) ones, which the new ones serve read backwards.
# The new indexes are built before the old ones go, so the ledger is never without one.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_product_stock_quantity'),
        ('stock', '0007_level_effective_reorder_level'),
        ('users', '0002_initial'),
        ('warehouses', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='stockmovement',
            options={'ordering': ['-created_at', '-id']},
        ),
        migrations.AddIndex(
            model_name='stockmovement',
            index=models.Index(fields=['organization', '-created_at', '-id'], name='stock_mov_org_newest'),
        ),
        migrations.AddIndex(
            model_name='stockmovement',
            index=models.Index(fields=['variant', '-created_at', '-id'], name='stock_mov_variant_newest'),
        ),
        migrations.AddIndex(
            model_name='stockmovement',
            index=models.Index(fields=['warehouse', '-created_at', '-id'], name='stock_mov_warehouse_newest'),
        ),
        migrations.AddIndex(
            model_name='stockmovement',
            index=models.Index(fields=['organization', 'reason', '-created_at', '-id'], name='stock_mov_reason_newest'),
        ),
        migrations.RemoveIndex(
            model_name='stockmovement',
            name='stock_stock_organiz_d7fa4c_idx',
        ),
        migrations.RemoveIndex(
            model_name='stockmovement',
            name='stock_stock_variant_3f572c_idx',
        ),
        migrations.RemoveIndex(
            model_name='stockmovement',
            name='stock_stock_warehou_9bfe53_idx',
        ),
        migrations.RemoveIndex(
            model_name='stockmovement',
            name='stock_stock_organiz_2e9dca_idx',
        ),
        migrations.RemoveIndex(
            model_name='stockmovement',
            name='stock_stock_warehou_384d02_idx',
        ),
        migrations.RemoveIndex(
            model_name='stockmovement',
            name='stock_stock_organiz_e02fd0_idx',
        ),
    ]
