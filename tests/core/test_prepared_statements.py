"""On PostgreSQL, a statement a connection sends again and again is prepared once (decision 0032): the server stops
parsing and planning it on every request, and the answers stay the same."""

import pytest
from django.conf import settings
from django.db import connection

from tests.catalog.factories import CategoryFactory

pytestmark = pytest.mark.postgres


def _prepared_statements() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def test_the_deployment_prepares_statements_with_server_side_binding():
    options = settings.DATABASES["default"]["OPTIONS"]

    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == settings.PREPARE_THRESHOLD > 0


def test_a_list_asked_for_again_and_again_is_answered_from_a_prepared_statement(admin_client, org):
    CategoryFactory(organization=org, name="Tools")

    answers = [admin_client.get("/api/categories/").json() for _ in range(settings.PREPARE_THRESHOLD + 2)]

    # The connection may have prepared it already for an earlier test: what matters is that it is there now.
    prepared = _prepared_statements()
    assert any("catalog_category" in statement for statement in prepared), prepared
    assert all(answer == answers[0] for answer in answers)
    assert [category["name"] for category in answers[-1]["results"]] == ["Tools"]
