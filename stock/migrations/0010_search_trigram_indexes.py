from django.db import migrations

from core.migration_operations import CreateTrigramIndex


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction; the tables stay writable while it builds.
    atomic = False

    dependencies = [("stock", "0009_stock_reservations")]

    operations = [
        CreateTrigramIndex(table="stock_stockmovement", column="note", name="stock_stockmovement_note_trgm"),
        CreateTrigramIndex(table="stock_stockadjustment", column="note", name="stock_stockadjustment_note_trgm"),
        CreateTrigramIndex(table="stock_transfer", column="number", name="stock_transfer_number_trgm"),
        CreateTrigramIndex(table="stock_transfer", column="note", name="stock_transfer_note_trgm"),
    ]
