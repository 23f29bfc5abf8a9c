from django.db import migrations, models

from core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction; the table stays writable while it builds.
    atomic = False

    dependencies = [("stock", "0011_ordering_indexes")]

    operations = [
        AddIndexConcurrently(
            model_name="stockadjustment",
            index=models.Index(fields=["organization", "reason", "id"], name="stock_adj_org_reason"),
        ),
    ]
