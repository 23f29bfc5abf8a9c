"""Every error status answers the contract's body: at least `status`, `code` and `detail` (a readable sentence).

One test per status, on real routes where one exists; the test-only URLconf `tests.core.error_urls` adds views
that crash on purpose (500). Django's own 404/500 handlers are exercised with DEBUG off, the default in tests.
"""

import pytest

from tests.catalog.factories import CategoryFactory, ProductFactory


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"].strip()
    return body


@pytest.mark.django_db
def test_400_names_a_field_inside_a_list_by_its_dotted_path(admin_client, warehouse, other_warehouse):
    payload = {
        "source_warehouse": warehouse.id,
        "destination_warehouse": other_warehouse.id,
        "items": [{"sku": "ANY", "quantity": -1}],
    }

    response = admin_client.post("/api/transfers/", payload, format="json")

    body = assert_error(response, 400, "validation_error")
    assert "items.0.quantity" in body["errors"]
    assert all(isinstance(message, str) for message in body["errors"]["items.0.quantity"])
    assert all(isinstance(messages, list) for messages in body["errors"].values())


@pytest.mark.django_db
def test_400_parse_error_for_malformed_json(admin_client):
    response = admin_client.post("/api/warehouses/", '{"name": "Dock", ', content_type="application/json")

    assert_error(response, 400, "parse_error")


@pytest.mark.urls("tests.core.error_urls")
def test_400_for_a_django_validation_error_raised_by_a_service(api_client, db):
    response = api_client.post("/api/_test/model-validation/", {}, format="json")

    body = assert_error(response, 400, "validation_error")
    assert body["errors"] == {"code": ["Code must be upper case."]}


@pytest.mark.django_db
def test_400_bad_request_for_a_host_that_is_not_allowed(api_client):
    response = api_client.get("/api/health/", HTTP_HOST="evil.example.com")

    assert_error(response, 400, "bad_request")


@pytest.mark.django_db
def test_401_not_authenticated_without_credentials(api_client):
    response = api_client.get("/api/warehouses/")

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_401_authentication_failed_with_a_bad_token(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-real-token")

    response = api_client.get("/api/warehouses/")

    assert_error(response, 401, "authentication_failed")


@pytest.mark.django_db
def test_403_permission_denied_for_a_role_that_may_not_act(viewer_client):
    response = viewer_client.post("/api/warehouses/", {"name": "Dock", "code": "DOCK"}, format="json")

    assert_error(response, 403, "permission_denied")


@pytest.mark.django_db
def test_404_not_found_on_a_missing_object(admin_client):
    response = admin_client.get("/api/warehouses/999999/")

    assert_error(response, 404, "not_found")


@pytest.mark.django_db
def test_404_not_found_on_an_unknown_api_url(admin_client, settings):
    assert settings.DEBUG is False  # Django's handler404 runs only with DEBUG off

    response = admin_client.get("/api/no-such-thing/")

    assert_error(response, 404, "not_found")


@pytest.mark.django_db
def test_405_method_not_allowed_on_a_read_only_route(admin_client):
    response = admin_client.delete("/api/stock-movements/")

    assert_error(response, 405, "method_not_allowed")


@pytest.mark.django_db
def test_409_protected_when_deleting_a_category_that_still_has_products(admin_client, org):
    category = CategoryFactory(organization=org)
    ProductFactory(organization=org, category=category)

    response = admin_client.delete(f"/api/categories/{category.id}/")

    assert_error(response, 409, "protected")


@pytest.mark.django_db
def test_415_unsupported_media_type(admin_client):
    response = admin_client.post("/api/warehouses/", "name=Dock", content_type="text/plain")

    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.django_db
def test_413_request_too_large_when_the_body_exceeds_the_upload_limit(admin_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    response = admin_client.post("/api/warehouses/", {"name": "x" * 2048, "code": "BIG"}, format="json")

    assert_error(response, 413, "request_too_large")


@pytest.mark.django_db
def test_429_throttled_login_says_when_to_retry(api_client, admin):
    attempts = [
        api_client.post("/api/auth/login/", {"username": "admin", "password": "wrong"}, format="json")
        for _ in range(11)
    ]

    assert {response.status_code for response in attempts[:10]} == {401}
    body = assert_error(attempts[10], 429, "throttled")
    assert int(attempts[10]["Retry-After"]) > 0
    assert body["retry_after"] == int(attempts[10]["Retry-After"])


@pytest.mark.urls("tests.core.error_urls")
@pytest.mark.parametrize("url", ["/api/_test/drf-crash/", "/api/_test/django-crash/"], ids=["drf-view", "django-view"])
def test_500_server_error_has_the_shape_and_no_traceback(api_client, url, db):
    api_client.raise_request_exception = False

    response = api_client.get(url)

    assert_error(response, 500, "server_error")
    text = response.content.decode()
    assert "Traceback" not in text
    assert "RuntimeError" not in text
    assert "hunter2" not in text
