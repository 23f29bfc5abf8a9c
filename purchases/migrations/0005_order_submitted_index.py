from django.db import migrations, models

from core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction; the table stays writable while it builds.
    atomic = False

    dependencies = [("purchases", "0004_order_total_index")]

    operations = [
        AddIndexConcurrently(
            model_name="purchaseorder",
            index=models.Index(fields=["organization", "submitted_at", "id"], name="purchase_order_org_submitted"),
        ),
    ]
