import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from core.roles import Role
from tests.users.factories import PASSWORD, UserFactory
from users.models import UserStatus


@pytest.fixture
def login(api_client):
    """`login(username, password=PASSWORD)` → the response of a real POST /api/auth/login/."""

    def do(username, password=PASSWORD):
        return api_client.post(reverse("users:auth-login"), {"username": username, "password": password})

    return do


@pytest.fixture
def tokens_for(login):
    """`tokens_for(user)` → `{access, refresh}` obtained through the real login route."""

    def do(user, password=PASSWORD):
        response = login(user.username, password)
        assert response.status_code == 200, response.content
        return {"access": response.data["access"], "refresh": response.data["refresh"]}

    return do


@pytest.fixture
def bearer():
    """`bearer(access)` → an APIClient sending `Authorization: Bearer <access>`."""
    from rest_framework.test import APIClient

    def make(access):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        return client

    return make


def png_bytes(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color=(200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def pending(org):
    return UserFactory(organization=org, username="pending", role=Role.VIEWER, status=UserStatus.PENDING)


@pytest.fixture
def annex_staff(org, other_warehouse):
    return UserFactory(organization=org, username="annex_staff", role=Role.STAFF, warehouses=[other_warehouse])


@pytest.fixture
def site_client(org):
    """A test client logged in to the Django admin as a superuser of `org`."""
    superuser = UserFactory(organization=org, username="root", is_staff=True, is_superuser=True, role=Role.ADMIN)
    client = Client()
    client.force_login(superuser)
    return client
