"""`core.browser_middleware`: a token client's `/api/` request skips the session, CSRF, user and messages middleware;
a browser's session (the admin, the browsable API) still gets all of them, CSRF checks included.
"""

import pytest
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken

from core.browser_middleware import token_request
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_token_request_gets_no_session_and_no_csrf_cookie(admin):
    client = Client(enforce_csrf_checks=True)
    bearer = f"Bearer {AccessToken.for_user(admin)}"
    response = client.get("/api/users/me/", headers={"authorization": bearer})
    assert response.status_code == 200
    assert response.json()["username"] == "admin"
    assert not response.cookies
    assert token_request(response.wsgi_request)
    assert not hasattr(response.wsgi_request, "session")
    # A write with the token needs no CSRF token, as before.
    response = client.patch(
        "/api/users/me/", {"first_name": "Ada"}, content_type="application/json", headers={"authorization": bearer}
    )
    assert response.status_code == 200


def test_a_browser_session_on_the_api_is_authenticated_and_csrf_checked(admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    response = client.get("/api/users/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "admin"
    refused = client.patch("/api/users/me/", {"first_name": "Ada"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]


def test_the_admin_keeps_its_session_and_csrf(org):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/admin/login/")
    assert page.status_code == 200
    assert "csrftoken" in page.cookies
    assert client.post("/admin/login/", {"username": "admin", "password": "x"}).status_code == 403  # no token
    client.force_login(UserFactory(organization=org, role="admin", is_staff=True, is_superuser=True))
    assert client.get("/admin/").status_code == 200
