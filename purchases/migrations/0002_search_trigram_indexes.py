from django.db import migrations

from core.migration_operations import CreateTrigramIndex


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction; the tables stay writable while it builds.
    atomic = False

    dependencies = [("purchases", "0001_initial")]

    operations = [
        CreateTrigramIndex(table="purchases_purchaseorder", column="number", name="purchases_purchaseorder_number_trgm"),
        CreateTrigramIndex(table="purchases_purchaseorder", column="notes", name="purchases_purchaseorder_notes_trgm"),
    ]
