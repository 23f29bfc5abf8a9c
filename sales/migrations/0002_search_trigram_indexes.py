from django.db import migrations

from core.migration_operations import CreateTrigramIndex


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction; the tables stay writable while it builds.
    atomic = False

    dependencies = [("sales", "0001_initial")]

    operations = [
        CreateTrigramIndex(table="sales_salesorder", column="number", name="sales_salesorder_number_trgm"),
        CreateTrigramIndex(table="sales_salesorder", column="customer_name", name="sales_salesorder_customer_name_trgm"),
        CreateTrigramIndex(table="sales_salesorder", column="customer_email", name="sales_salesorder_customer_email_trgm"),
    ]
