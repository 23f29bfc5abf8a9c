"""Request ids: every response has X-Request-ID (the proxy's when it sends a valid one), every log line of the
request carries it, a 500's body shows it, and logs can be JSON."""

import io
import json
import logging
import uuid

import pytest
from django.conf import settings
from pythonjsonlogger.json import JsonFormatter

pytestmark = pytest.mark.django_db

PROXY_ID = uuid.uuid4().hex


def test_every_response_has_a_request_id(api_client):
    first, second = api_client.get("/api/health/"), api_client.get("/api/nowhere/")

    assert len(first["X-Request-ID"]) == 32 and len(second["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_the_proxys_request_id_is_kept(api_client):
    response = api_client.get("/api/health/", HTTP_X_REQUEST_ID=PROXY_ID)

    assert response["X-Request-ID"] == PROXY_ID


def test_a_malformed_request_id_is_replaced(api_client):
    response = api_client.get("/api/health/", HTTP_X_REQUEST_ID="<script>\nforged log line")

    assert uuid.UUID(response["X-Request-ID"])


@pytest.fixture
def console_output():
    [handler] = [h for h in logging.getLogger().handlers if any(f for f in h.filters)]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.mark.urls("tests.core.error_urls")
@pytest.mark.parametrize("url", ["/api/_test/drf-crash/", "/api/_test/django-crash/"], ids=["drf-view", "django-view"])
def test_a_500_body_and_its_log_lines_show_the_request_id(api_client, console_output, url):
    api_client.raise_request_exception = False

    response = api_client.get(url, HTTP_X_REQUEST_ID=PROXY_ID)

    body = response.json()
    assert response.status_code == 500
    assert body["request_id"] == PROXY_ID and PROXY_ID in body["detail"]
    lines = [line for line in console_output.getvalue().splitlines() if " ERROR " in line]
    assert lines and all(f"[{PROXY_ID}]" in line for line in lines)


def test_the_json_log_format_writes_one_object_a_line_with_the_request_id():
    options = {key: value for key, value in settings.LOGGING["formatters"]["json"].items() if key != "()"}
    formatter = JsonFormatter(fmt=options["format"], rename_fields=options["rename_fields"])
    record = logging.LogRecord("stockroom", logging.WARNING, __file__, 1, "Stock is %s", ("low",), None)
    record.request_id = PROXY_ID

    line = json.loads(formatter.format(record))

    assert line["message"] == "Stock is low"
    assert (line["level"], line["logger"], line["request_id"]) == ("WARNING", "stockroom", PROXY_ID)
