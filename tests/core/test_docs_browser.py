"""Swagger, ReDoc and the admin in a real browser: headless Chromium driven by `tests/browser/docs.mjs`.

Against a live test server: authorize in Swagger with a fresh access token, "Try it out" on `GET /api/products/`
(200 and the product's name on the page), the authorization kept across a reload, ReDoc rendering, an admin login
and the product list, and no request leaving the machine. Needs Debian's `chromium` and `npm ci` (playwright-core);
skipped, saying which is missing, where they are not installed (`.ci/run` installs both).
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken

from core.roles import Role
from tests.catalog.factories import ProductFactory, VariantFactory
from tests.users.factories import UserFactory

SCRIPT = Path(settings.BASE_DIR) / "tests" / "browser" / "docs.mjs"
PLAYWRIGHT = Path(settings.BASE_DIR) / "node_modules" / "playwright-core"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "a-long-admin-passphrase"


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if shutil.which("node") is None:
        return "no Node.js (node) on PATH"
    if not PLAYWRIGHT.exists():
        return "playwright-core is not installed (npm ci)"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=f"headless browser test: {_missing()}")


@pytest.mark.slow
def test_swagger_redoc_and_the_admin_work_in_a_real_browser(live_server, transactional_db, org):
    admin = UserFactory(organization=org, username="browser_admin", role=Role.ADMIN, is_staff=True, is_superuser=True)
    admin.set_password(PASSWORD)
    admin.save()
    product = ProductFactory(organization=org, name="Browser-tested lantern")
    VariantFactory(organization=org, product=product)
    token = str(AccessToken.for_user(admin))

    completed = subprocess.run(
        ["node", str(SCRIPT), live_server.url, token, product.name, admin.username, PASSWORD],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=settings.BASE_DIR,
    )

    assert completed.stdout.strip(), completed.stderr
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["failures"] == []
    assert result["external"] == []  # nothing loaded from another host
    assert len(result["steps"]) == 5
    assert completed.returncode == 0
