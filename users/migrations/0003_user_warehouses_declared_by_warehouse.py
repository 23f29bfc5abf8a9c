# The user-warehouse assignment is declared by the warehouse (one floor above users) from now on. The table stays:
# only the migration state moves, so no row is touched.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0002_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name="user", name="warehouses")],
            database_operations=[],
        ),
    ]
