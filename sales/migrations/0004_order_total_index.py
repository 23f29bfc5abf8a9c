from django.db import migrations, models

from core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction; the table stays writable while it builds.
    atomic = False

    dependencies = [("sales", "0003_order_total_amount")]

    operations = [
        AddIndexConcurrently(
            model_name="salesorder",
            index=models.Index(fields=["organization", "total_amount", "id"], name="sales_order_org_total"),
        ),
    ]
