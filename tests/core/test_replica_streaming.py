"""Dashboards, reports, report jobs and exports read on a real PostgreSQL streaming replica; writes never go there.

Runs when `DATABASE_REPLICA_URL` names a standby (`.ci/replica.sh` makes one on port 5433 and `.ci/run` runs this
module against it). The test database is created on the primary and reaches the replica by replication; what a test
writes is awaited on the replica by WAL position (never a fixed sleep), and each read is observed on the connection
that served it (`pg_is_in_recovery()` there).
"""

import os
import time

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.db import REPLICA_ALIAS, replica_reads
from reports.jobs import report_job_run
from reports.models import ReportJobStatus
from tests.catalog.factories import VariantFactory
from tests.reports.factories import ReportJobFactory
from tests.stock.helpers import put_stock
from warehouses.models import Warehouse

WAIT_SECONDS = 30
if os.environ.get("STOCKROOM_REQUIRE_REPLICA") and REPLICA_ALIAS not in settings.DATABASES:
    raise RuntimeError(
        "STOCKROOM_REQUIRE_REPLICA is set (CI) but DATABASE_REPLICA_URL is not: nothing would be tested"
    )

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        REPLICA_ALIAS not in settings.DATABASES, reason="needs a streaming replica (DATABASE_REPLICA_URL)"
    ),
    pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA_ALIAS]),
]


@pytest.fixture
def replica():
    """The `replica` connection, on the replica server, opened on the test database (which the primary created)."""
    configured = settings.DATABASES[REPLICA_ALIAS]
    connection = connections[REPLICA_ALIAS]
    # As a test mirror, Django pointed this alias at the primary's settings; the real replica has the same database.
    connection.close()
    connection.settings_dict = {
        **connections[DEFAULT_DB_ALIAS].settings_dict,
        **{key: configured[key] for key in ("HOST", "PORT", "USER", "PASSWORD")},
    }
    assert in_recovery(connection), "DATABASE_REPLICA_URL is not a standby"
    yield connection
    connection.close()


def in_recovery(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return cursor.fetchone()[0]


def caught_up(replica) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + WAIT_SECONDS
    with replica.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
            assert time.monotonic() < deadline, f"the replica did not replay {target} in {WAIT_SECONDS} s"
            time.sleep(0.005)


def touched(queries, *tables: str) -> bool:
    return any(table in query["sql"] for query in queries for table in tables)


@pytest.fixture
def stocked(org, warehouse, admin):
    variant = VariantFactory(organization=org, sku="REP-1")
    put_stock(variant, warehouse, 42, by=admin)
    return variant


@pytest.mark.parametrize("route", ["overview", "sales", "trends", "top-products", "low-stock", "warehouse"], ids=str)
def test_a_dashboard_is_read_on_the_replica_and_none_of_its_figures_on_the_primary(
    route, replica, admin_client, warehouse, stocked
):
    caught_up(replica)
    args = [warehouse.pk] if route == "warehouse" else []

    with CaptureQueriesContext(replica) as there, CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as here:
        response = admin_client.get(reverse(f"dashboard:dashboard-{route}", args=args))

    assert response.status_code == 200
    assert touched(
        there, "stock_stock", "stock_movementday", "sales_"
    )  # the ledger's rows or the figures kept of them
    assert not touched(
        here, "stock_stockmovement", "stock_stocklevel", "stock_movementday", "sales_salesorder", "sales_salesday"
    )
    assert in_recovery(replica)
    if route == "overview":
        assert response.json()["stock"]["total_stock"] == 42  # the replica had replayed the opening stock


def test_the_synchronous_report_and_the_product_export_stream_from_the_replica(replica, admin_client, stocked):
    caught_up(replica)

    with CaptureQueriesContext(replica) as there, CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as here:
        report = admin_client.get(reverse("reports:report-stock-movements"), {"period": "daily", "format": "csv"})
        report_body = b"".join(report.streaming_content)
        export = admin_client.get(reverse("catalog:product-export"), HTTP_ACCEPT="text/csv")
        export_body = b"".join(export.streaming_content)

    assert b"REP-1" in report_body and b"REP-1" in export_body
    assert touched(there, "stock_stockmovement") and touched(there, "catalog_variant")
    assert not touched(here, "stock_stockmovement") and not touched(here, "catalog_variant")
    assert in_recovery(replica)


def test_a_report_job_reads_its_rows_on_the_replica_and_writes_the_job_on_the_primary(replica, admin, stocked):
    today = timezone.now().date()
    job = ReportJobFactory(organization=admin.organization, created_by=admin, start=today, end=today)
    caught_up(replica)

    with CaptureQueriesContext(replica) as there, CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as here:
        assert report_job_run(job_id=job.pk) == "done"

    job.refresh_from_db()
    assert (job.status, job.rows) == (ReportJobStatus.DONE, 1)
    assert touched(there, "stock_stockmovement")
    assert not touched(there, "UPDATE", "INSERT")
    assert touched(here, 'UPDATE "reports_reportjob"') and not touched(here, "stock_stockmovement")


def test_a_write_inside_replica_reads_goes_to_the_primary(replica, org):
    caught_up(replica)

    with replica_reads() as alias, CaptureQueriesContext(replica) as there:
        Warehouse.objects.create(organization=org, name="Written", code="W1")
        assert alias == REPLICA_ALIAS

    assert not there.captured_queries
    assert Warehouse.objects.using(DEFAULT_DB_ALIAS).filter(code="W1").exists()


def test_inside_a_transaction_on_the_primary_reads_stay_there(replica, org):
    with transaction.atomic():
        Warehouse.objects.create(organization=org, name="Unseen", code="W2")
        with replica_reads() as alias, CaptureQueriesContext(replica) as there:
            assert Warehouse.objects.filter(code="W2").exists()  # its own uncommitted write

    assert alias == DEFAULT_DB_ALIAS
    assert not there.captured_queries
