"""The `bench` app (generate_bench_data drops the stock tables' constraints and COPYs into them) is installed by the
benchmark's settings only, never by the settings the API is deployed or tested with.
"""

import importlib
import pkgutil

import pytest
from django.apps import apps
from django.core.management import get_commands

import config.settings

SETTINGS_MODULES = sorted(f"config.settings.{info.name}" for info in pkgutil.iter_modules(config.settings.__path__))


def test_the_deployed_and_test_settings_are_all_checked():
    assert {"config.settings.base", "config.settings.test"} <= set(SETTINGS_MODULES)


@pytest.mark.parametrize("module", SETTINGS_MODULES)
def test_no_project_settings_install_bench(module):
    assert "bench" not in importlib.import_module(module).INSTALLED_APPS


def test_the_bench_settings_install_it_on_top_of_the_base_settings():
    base = importlib.import_module("config.settings.base")
    bench = importlib.import_module("bench.settings")

    assert bench.INSTALLED_APPS == [*base.INSTALLED_APPS, "bench"]


def test_the_running_settings_have_no_bench_app_and_no_generate_bench_data():
    assert not apps.is_installed("bench")
    assert "generate_bench_data" not in get_commands()
