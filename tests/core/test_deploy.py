"""`manage.py check --deploy` is clean with the production settings the README lists."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _readme_production_environment() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- production-env -->", 2)[1]
    return dict(re.findall(r"^([A-Z_]+)=(\S+)", block, flags=re.MULTILINE))


def test_check_deploy_has_no_warning_with_the_readme_production_settings():
    production = _readme_production_environment()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "STOCKROOM_ALLOW_DEV_KEY", "DATABASE_URL", "REDIS_URL")
    }
    environment.update(production, SECRET_KEY="x7" * 30 + "-not-a-dev-key-Q9", DEBUG="false")

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert "SECURE_SSL_REDIRECT" in production and "SECURE_HSTS_SECONDS" in production
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
