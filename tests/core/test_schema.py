"""The OpenAPI schema is valid, warning-free, and the API behaves as it documents.

The schemathesis test drives every documented operation through the WSGI application in-process, as an admin of
the demo organization (seeded and committed, so the application sees it), and fails on any 5xx or any response
whose body does not match the documented schema.
"""

import contextlib
import io

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.drainage import GENERATOR_STATS
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from rest_framework_simplejwt.tokens import AccessToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application
from core.roles import Role
from users.models import User, UserStatus

DEMO_ADMIN = "demo_admin"


@pytest.mark.django_db
def test_the_served_schema_is_a_valid_openapi_3_document(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    validate(document)  # raises on any violation of the OpenAPI 3 specification


@pytest.mark.django_db
def test_schema_generation_is_valid_and_emits_no_warnings(tmp_path):
    # Warnings are counted per process; start from zero so only this generation counts.
    GENERATOR_STATS.reset()

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3.")


@pytest.fixture(scope="module")
def demo_admin(django_db_setup, django_db_blocker):
    """The demo organization's admin, in data seeded once for all operations and committed.

    Seeding takes seconds, too long to repeat for each of the hundred-odd operations. Each operation then runs in
    its own test transaction (`django_db`), on the same connection as the application, and is rolled back: every
    operation starts from the same demo data, whatever the ones before it deleted or changed.
    """
    with django_db_blocker.unblock():
        call_command("seed_demo", stdout=io.StringIO())
        with _connections_kept_across_requests():
            yield User.objects.get(username=DEMO_ADMIN)
        call_command("flush", interactive=False, stdout=io.StringIO())


@contextlib.contextmanager
def _connections_kept_across_requests():
    # Django closes a connection at the start and end of each request when it is not in autocommit mode, which it
    # is not inside a test transaction; Django's test client switches that off the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Loaded at collection (anonymously: schema generation touches no database). Schemathesis' lazy loader
# (`schemathesis.pytest.from_fixture`) fails on this pytest version: it relies on `Node._nodeid`, which is gone.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)
def test_every_documented_operation_answers_without_server_error_and_as_documented(case, demo_admin):
    # Generated requests may dismiss, demote or deactivate any user, the caller included: every request starts
    # from an active admin with a fresh token, so no operation is tested only as "401".
    User.objects.filter(pk=demo_admin.pk).update(role=Role.ADMIN, status=UserStatus.ACTIVE, is_active=True)
    token = AccessToken.for_user(demo_admin)

    response = case.call(headers={"Authorization": f"Bearer {token}"})

    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
