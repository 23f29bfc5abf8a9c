from django.db import migrations

from core.migration_operations import CreateTrigramIndex


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction; the tables stay writable while it builds.
    atomic = False

    dependencies = [("catalog", "0003_product_stock_quantity")]

    operations = [
        CreateTrigramIndex(table="catalog_product", column="name", name="catalog_product_name_trgm"),
        CreateTrigramIndex(table="catalog_product", column="description", name="catalog_product_description_trgm"),
        CreateTrigramIndex(table="catalog_variant", column="sku", name="catalog_variant_sku_trgm"),
        CreateTrigramIndex(table="catalog_variant", column="barcode", name="catalog_variant_barcode_trgm"),
    ]
