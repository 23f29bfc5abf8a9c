"""Backfill the movement tallies from the ledger: one row per (organization, warehouse, UTC day, reason,
performer).

One `INSERT ... SELECT ... GROUP BY` over the movements (PostgreSQL and SQLite alike); run it with the writers
stopped, as any migration of this deployment is.
"""

import datetime as dt

from django.db import migrations
from django.db.models import Case, Count, IntegerField, Sum, Value, When
from django.db.models.functions import TruncDate

from core.tallies import insert_select


def _only(movement_type):
    return Sum(Case(When(movement_type=movement_type, then="quantity"), default=Value(0), output_field=IntegerField()))


def backfill(apps, schema_editor):
    StockMovement = apps.get_model("stock", "StockMovement")
    MovementDay = apps.get_model("stock", "MovementDay")
    MovementDay.objects.all().delete()
    rows = (
        StockMovement.objects.order_by()
        .annotate(day=TruncDate("created_at", tzinfo=dt.UTC))
        .values_list("organization_id", "warehouse_id", "day", "reason", "performed_by_id")
        .annotate(units_in=_only("IN"), units_out=_only("OUT"), movements=Count("pk"))
    )
    columns = ("organization_id", "warehouse_id", "day", "reason", "performed_by_id", "units_in", "units_out", "movements")
    insert_select(MovementDay, columns, rows)


class Migration(migrations.Migration):
    dependencies = [("stock", "0013_kept_figures")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
