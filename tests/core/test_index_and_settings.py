"""`GET /api/` lists every resource; a missing SECRET_KEY says what to do in one line."""

import os
import subprocess
import sys

import pytest
from django.conf import settings


@pytest.mark.django_db
def test_the_api_index_lists_every_list_route_and_the_docs(admin_client, api_client):
    body = api_client.get("/api/").json()

    resources = body["resources"]
    assert {
        "categories",
        "products",
        "variants",
        "suppliers",
        "warehouses",
        "stock-levels",
        "stock-movements",
        "stock-adjustments",
        "transfers",
        "purchase-orders",
        "sales-orders",
        "users",
        "promotion-requests",
        "roles",
    } <= set(resources)
    assert body["docs"].endswith("/api/docs/")
    for url in resources.values():
        assert admin_client.get(url).status_code == 200, url


def test_a_missing_secret_key_is_one_line_that_names_the_fix():
    hidden = {"SECRET_KEY", "STOCKROOM_ALLOW_DEV_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    environment = {name: value for name, value in os.environ.items() if name not in hidden}

    completed = subprocess.run(
        [sys.executable, "manage.py", "import_products", "--help"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    message = completed.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "SECRET_KEY" in message and "STOCKROOM_ALLOW_DEV_KEY=true" in message
