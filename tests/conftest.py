"""Shared fixtures: an organization with one user per role, two warehouses, and API clients.

`manager` and `staff` are assigned to `warehouse` only; `other_warehouse` is in the same organization but not
theirs. `other_org` is a second tenant with its own admin and warehouse, for isolation tests.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.client import Client
from rest_framework.test import APIClient

from core.roles import Role
from tests.celery_worker import smtp_inbox, worker  # noqa: F401 - fixtures for the tests on a real worker
from tests.error_shape import check_error_shape
from tests.users.factories import OrganizationFactory, UserFactory
from tests.warehouses.factories import WarehouseFactory


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL row locks and real concurrency (set DATABASE_URL)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def _error_shape_guard():
    """Every error answered under /api/ to any test client (Django's or DRF's) has the contract's shape."""
    original = Client.request

    def request(self, **environ):
        response = original(self, **environ)
        check_error_shape(response, environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET"))
        return response

    Client.request = request
    yield
    Client.request = original


@pytest.fixture(autouse=True)
def _clear_cache():
    # Throttle counters and cached dashboards live in the cache: no test sees another's.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Acme")


@pytest.fixture
def warehouse(org):
    return WarehouseFactory(organization=org, name="Main", code="MAIN")


@pytest.fixture
def other_warehouse(org):
    return WarehouseFactory(organization=org, name="Annex", code="ANNEX")


@pytest.fixture
def admin(org):
    return UserFactory(organization=org, username="admin", role=Role.ADMIN)


@pytest.fixture
def manager(org, warehouse):
    return UserFactory(organization=org, username="manager", role=Role.MANAGER, warehouses=[warehouse])


@pytest.fixture
def staff(org, warehouse):
    return UserFactory(organization=org, username="staff", role=Role.STAFF, warehouses=[warehouse])


@pytest.fixture
def viewer(org, warehouse):
    return UserFactory(organization=org, username="viewer", role=Role.VIEWER, warehouses=[warehouse])


@pytest.fixture
def other_org(db):
    return OrganizationFactory(name="Globex")


@pytest.fixture
def other_admin(other_org):
    return UserFactory(organization=other_org, username="other_admin", role=Role.ADMIN)


@pytest.fixture
def foreign_warehouse(other_org):
    return WarehouseFactory(organization=other_org, name="Globex Main", code="GMAIN")


@pytest.fixture
def api_client():
    """An unauthenticated client."""
    return APIClient()


@pytest.fixture
def client_for():
    """`client_for(user)` → an APIClient authenticated as that user (no token round-trip)."""

    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def admin_client(client_for, admin):
    return client_for(admin)


@pytest.fixture
def manager_client(client_for, manager):
    return client_for(manager)


@pytest.fixture
def staff_client(client_for, staff):
    return client_for(staff)


@pytest.fixture
def viewer_client(client_for, viewer):
    return client_for(viewer)


@pytest.fixture
def redis_trips(monkeypatch):
    """Counts what is sent to Redis: a pipeline is one round trip."""
    from redis.connection import AbstractConnection

    sent = []
    original = AbstractConnection.send_packed_command

    def counted(self, *args, **kwargs):
        sent.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counted)
    return sent
