# The user-warehouse assignment, declared here instead of on the user (users sits below warehouses). The table and
# its columns are the ones the user's field made (`users_user_warehouses`: user_id, warehouse_id): state only.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("warehouses", "0001_initial"),
        ("users", "0003_user_warehouses_declared_by_warehouse"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="warehouse",
                    name="assigned_users",
                    field=models.ManyToManyField(
                        blank=True, db_table="users_user_warehouses", related_name="warehouses", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
