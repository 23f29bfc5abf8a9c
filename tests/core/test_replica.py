"""The read-replica router (`core.db`) without a replica: nothing changes, and writes are never routed elsewhere.

The same routes against a real streaming replica are in test_replica_streaming.py.
"""

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import db
from core.db import REPLICA_ALIAS, ReplicaRouter, replica_reads
from reports.models import ReportJob


@pytest.mark.skipif(REPLICA_ALIAS in settings.DATABASES, reason="the configuration without DATABASE_REPLICA_URL")
@pytest.mark.django_db
def test_without_a_replica_the_dashboards_reads_stay_on_the_one_database(admin_client, warehouse):
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as queries:
        response = admin_client.get(reverse("dashboard:dashboard-overview"))

    assert response.status_code == 200
    assert any("stock_stocklevel" in query["sql"] for query in queries)
    with replica_reads() as alias:
        assert alias == DEFAULT_DB_ALIAS
        assert ReplicaRouter().db_for_read(ReportJob) == DEFAULT_DB_ALIAS


def test_writes_and_migrations_go_to_the_primary_even_inside_replica_reads(monkeypatch):
    monkeypatch.setattr(db, "replica_configured", lambda: True)
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(ReportJob) == REPLICA_ALIAS
        assert router.db_for_write(ReportJob) == DEFAULT_DB_ALIAS
    assert router.db_for_read(ReportJob) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(REPLICA_ALIAS, "reports") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "reports") is True
