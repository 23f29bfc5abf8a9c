"""`core.handlers.WSGIHandler` (what `config.wsgi` serves): a path's URL resolution is kept, and each request still
gets its own view arguments; a path that matches nothing is a 404 every time and is not kept.
"""

import json
from io import BytesIO

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework_simplejwt.tokens import AccessToken

from config.wsgi import application
from core import handlers
from tests.catalog.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_matches():
    handlers.clear()
    # As Django's test client does: the test's transaction must outlive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    handlers.clear()


def _get(path: str, user) -> tuple[str, dict]:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "HTTP_ACCEPT": "application/json",
        "HTTP_AUTHORIZATION": f"Bearer {AccessToken.for_user(user)}",
        "wsgi.input": BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": BytesIO(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    status = []
    response = application(environ, lambda s, headers, exc_info=None: status.append(s))
    try:
        body = b"".join(response)
    finally:
        response.close()
    return status[0], json.loads(body)


def test_each_path_resolves_to_its_own_object_and_is_kept(admin, org):
    tools, paint = CategoryFactory(organization=org, name="Tools"), CategoryFactory(organization=org, name="Paint")
    for _ in range(2):  # the second time through kept matches
        for category in (tools, paint):
            status, body = _get(f"/api/categories/{category.pk}/", admin)
            assert (status, body["id"], body["name"]) == ("200 OK", category.pk, category.name)
    assert {f"/api/categories/{tools.pk}/", f"/api/categories/{paint.pk}/"} <= set(handlers._matches)


def test_a_path_that_matches_nothing_is_a_404_every_time_and_not_kept(admin):
    for _ in range(2):
        status, body = _get("/api/no-such-route/", admin)
        assert status.startswith("404")
        assert body["code"] == "not_found"
    assert "/api/no-such-route/" not in handlers._matches


def test_the_store_is_bounded(admin, org, monkeypatch):
    monkeypatch.setattr(handlers, "MAX_PATHS", 2)
    category = CategoryFactory(organization=org)
    for path in ("/api/categories/", f"/api/categories/{category.pk}/", "/api/warehouses/"):
        assert _get(path, admin)[0] == "200 OK"
    assert len(handlers._matches) <= 2
