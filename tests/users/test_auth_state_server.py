"""A dismissal reaches every server process at once: the API under two server workers, kept users and all."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from rest_framework_simplejwt.tokens import AccessToken

from core.roles import Role
from tests.users.factories import OrganizationFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not REDIS_URL, reason="the kept users need a Redis cache (set REDIS_URL)"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def server():
    """The API under the production server with two worker processes, on this test's database."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": f"test-server-{uuid.uuid4().hex}",
        "STOCKROOM_ALLOW_DEV_KEY": "true",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    command = [str(Path(sys.executable).parent / "granian"), "--interface", "wsgi", "config.wsgi:application"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--no-ws", "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _call(port, "GET", "/api/health/")[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _call(port: int, method: str, path: str, token: str | None = None) -> tuple[int, dict]:
    # A new connection per request: each may land on either worker.
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    client.request(method, path, headers=headers)
    response = client.getresponse()
    body = response.read()
    client.close()
    return response.status, (json.loads(body) if body else {})


def test_a_dismissed_users_token_answers_401_on_the_very_next_request_in_every_worker(server):
    org = OrganizationFactory()
    admin = UserFactory(organization=org, username="admin", role=Role.ADMIN)
    staff = UserFactory(organization=org, username="staff", role=Role.STAFF)
    admin_token, staff_token = str(AccessToken.for_user(admin)), str(AccessToken.for_user(staff))
    # Both workers authenticate (and keep) the staff member.
    assert {_call(server, "GET", "/api/categories/", staff_token)[0] for _ in range(20)} == {200}

    status, body = _call(server, "POST", f"/api/users/{staff.pk}/dismiss/", admin_token)
    assert (status, body.get("status")) == (200, "dismissed")

    answers = [_call(server, "GET", "/api/categories/", staff_token) for _ in range(20)]
    assert {status for status, _ in answers} == {401}
    assert {body["code"] for _, body in answers} == {"authentication_failed"}
