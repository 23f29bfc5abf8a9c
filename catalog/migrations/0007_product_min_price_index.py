from django.db import migrations, models

from core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction; the table stays writable while it builds.
    atomic = False

    dependencies = [("catalog", "0006_product_min_price")]

    operations = [
        AddIndexConcurrently(
            model_name="product",
            index=models.Index(fields=["organization", "min_price", "id"], name="product_org_min_price"),
        ),
    ]
