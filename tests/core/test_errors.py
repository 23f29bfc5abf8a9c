"""Every error status answers the contract's body: at least `status`, `code` and `detail` (a readable sentence).

One test per status, on real routes where one exists; the test-only URLconf `tests.core.error_urls` adds views
that crash on purpose (500). Django's own 404/500 handlers are exercised with DEBUG off, the default in tests.
"""

import json
from datetime import timedelta

import pytest
from django.http import HttpResponseNotAllowed, HttpResponseNotFound, JsonResponse
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from core.exceptions import error_body
from core.middleware import ApiErrorShapeMiddleware
from tests.catalog.factories import CategoryFactory, ProductFactory
from tests.error_shape import ErrorShapeViolation, check_error_shape


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


def test_a_domain_fact_named_status_never_replaces_the_http_status():
    body = error_body(409, "invalid_transition", "No.", status="completed", current_status="completed")

    assert (body["status"], body["current_status"]) == (409, "completed")


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_unknown_api_routes_are_json_404_whatever_debug_is(admin_client, settings, debug):
    settings.DEBUG = debug

    for url in ("/api/no-such-thing/", "/api/products/1/no-such-action/", "/api/v2/products/"):
        assert_error(admin_client.get(url), 404, "not_found")
    assert_error(admin_client.post("/api/no-such-thing/", {}, format="json"), 404, "not_found")


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_unsupported_methods_are_json_405_whatever_debug_is(admin_client, settings, debug):
    settings.DEBUG = debug

    assert_error(admin_client.put("/api/sales-orders/", {}, format="json"), 405, "method_not_allowed")
    assert_error(admin_client.post("/api/health/", {}, format="json"), 405, "method_not_allowed")
    response = admin_client.delete("/api/stock-movements/")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_an_html_error_of_django_under_api_becomes_the_json_shape(rf):
    middleware = ApiErrorShapeMiddleware(lambda request: HttpResponseNotAllowed(["GET"]))

    response = middleware(rf.post("/api/anything/"))

    assert response.status_code == 405
    assert json.loads(response.content) == {
        "status": 405,
        "code": "method_not_allowed",
        "detail": "This method is not allowed on this route.",
    }
    assert response["Allow"] == "GET"
    outside = ApiErrorShapeMiddleware(lambda request: HttpResponseNotAllowed(["GET"]))(rf.post("/admin/"))
    assert outside["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_an_expired_access_token_says_that_it_has_expired(api_client, admin):
    token = AccessToken.for_user(admin)
    token.set_exp(lifetime=-timedelta(seconds=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = api_client.get("/api/warehouses/")

    body = assert_error(response, 401, "authentication_failed")
    assert "expired" in body["detail"]
    assert "/api/auth/refresh/" in body["detail"]


@pytest.mark.django_db
def test_an_expired_refresh_token_says_that_it_has_expired(api_client, admin):
    token = RefreshToken.for_user(admin)
    token.set_exp(lifetime=-timedelta(seconds=1))

    response = api_client.post("/api/auth/refresh/", {"refresh": str(token)}, format="json")

    assert "expired" in assert_error(response, 401, "authentication_failed")["detail"]


@pytest.mark.django_db
def test_an_unknown_ordering_field_is_400_naming_the_fields_offered(viewer_client):
    response = viewer_client.get("/api/warehouses/", {"ordering": "-nmae"})

    body = assert_error(response, 400, "validation_error")
    assert "-nmae" in body["errors"]["ordering"][0]
    assert "name, code, created_at, staff_count" in body["errors"]["ordering"][0]
    assert viewer_client.get("/api/warehouses/", {"ordering": "-name,code"}).status_code == 200


def test_the_error_shape_guard_refuses_a_body_without_the_http_status():
    response = JsonResponse({"status": "completed", "code": "invalid_transition", "detail": "No."}, status=409)

    with pytest.raises(ErrorShapeViolation, match="must be the integer 409"):
        check_error_shape(response, "/api/transfers/1/approve/", "POST")
    with pytest.raises(ErrorShapeViolation, match="not JSON"):
        check_error_shape(HttpResponseNotFound("<h1>Not Found</h1>"), "/api/nothing/", "GET")
    check_error_shape(HttpResponseNotFound("<h1>Not Found</h1>"), "/admin/nothing/", "GET")  # not the API
