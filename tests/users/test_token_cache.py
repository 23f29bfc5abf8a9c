"""Access tokens are decoded once per process (core.authentication): their expiry still applies on every request."""

from datetime import timedelta

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.utils import aware_utcnow

from core import authentication


def test_a_token_decoded_before_still_expires_on_time(staff, monkeypatch):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(staff)}")
    assert client.get("/api/categories/").status_code == 200
    assert client.get("/api/categories/").status_code == 200  # from the process's decoded tokens

    later = aware_utcnow() + timedelta(days=1)
    monkeypatch.setattr(authentication, "aware_utcnow", lambda: later)
    monkeypatch.setattr("rest_framework_simplejwt.tokens.aware_utcnow", lambda: later)
    response = client.get("/api/categories/")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_tampered_token_is_refused_although_the_genuine_one_was_decoded(staff):
    token = str(AccessToken.for_user(staff))
    genuine, tampered = APIClient(), APIClient()
    genuine.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    tampered.credentials(HTTP_AUTHORIZATION=f"Bearer {token[:-2]}{'A' if token[-2] != 'A' else 'B'}{token[-1]}")
    assert genuine.get("/api/categories/").status_code == 200

    assert tampered.get("/api/categories/").status_code == 401
