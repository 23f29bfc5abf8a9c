"""Timestamps read through psycopg's C loader (decision 0033) are the instants written, in UTC, as Django's own
loader gives them."""

import datetime

import pytest
from django.db import connection
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader

from core.timestamps import UtcTimestamptzLoader
from stock.models import StockMovement

pytestmark = pytest.mark.postgres


def _read(sql: str):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def test_a_connection_kept_in_utc_reads_timestamps_with_the_c_loader(db):
    connection.ensure_connection()

    assert connection.connection.adapters.get_loader(1184, Format.TEXT) is UtcTimestamptzLoader


@pytest.mark.parametrize(
    "literal, expected",
    [
        ("2026-01-01 10:00:00.5-05", datetime.datetime(2026, 1, 1, 15, 0, 0, 500000, tzinfo=datetime.UTC)),
        ("2026-11-29 23:59:59.999999+00", datetime.datetime(2026, 11, 29, 23, 59, 59, 999999, tzinfo=datetime.UTC)),
        ("1999-12-31 23:30:00+05:30", datetime.datetime(1999, 12, 31, 18, 0, tzinfo=datetime.UTC)),
    ],
)
def test_timestamps_read_back_are_the_instants_in_utc_as_the_python_loader_reads_them(db, literal, expected):
    (value,) = _read(f"SELECT '{literal}'::timestamptz")
    python_loader = TimestamptzLoader(1184, connection.connection)

    assert value == expected and value.tzinfo is datetime.UTC
    assert value == python_loader.load(_read(f"SELECT '{literal}'::timestamptz::text")[0].encode())


def test_a_movement_written_and_read_keeps_its_moment(admin_client, org, warehouse):
    from tests.catalog.factories import VariantFactory

    variant = VariantFactory(organization=org)
    response = admin_client.post(
        "/api/stock-adjustments/", {"variant": variant.pk, "warehouse": warehouse.pk, "quantity": 3}
    )
    assert response.status_code == 201, response.content
    movement = StockMovement.objects.get(variant=variant)

    listed = admin_client.get("/api/stock-movements/", {"variant": variant.pk}).json()["results"][0]

    assert movement.created_at.tzinfo is datetime.UTC
    assert datetime.datetime.fromisoformat(listed["created_at"].replace("Z", "+00:00")) == movement.created_at
