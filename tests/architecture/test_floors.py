"""No app depends on an app of its own or a higher floor (config/floors.py): not by import, not by a model
reference in a relation, and not around both through `_meta...related_model` or `apps.get_model`.

The rule is read from the source (ast), so a function-level import counts as much as a module-level one. Migrations
are history and are not read; the tests, `config` and `bench` stand outside the house.
"""

import ast
from pathlib import Path

import pytest

from config.floors import FLOORS, OUTSIDE, floor_of

ROOT = Path(__file__).resolve().parents[2]
APPS = [app for floor in FLOORS for app in floor]
RELATIONS = {"ForeignKey", "OneToOneField", "ManyToManyField"}


def _app_files(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _reached(tree: ast.AST) -> list[tuple[int, str, str]]:
    """(line, how, top-level name) of everything a module depends on or reaches around."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, "import", alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, "import", node.module.split(".")[0]))
        elif isinstance(node, ast.Attribute) and node.attr == "related_model":
            found.append((node.lineno, "related_model", "?"))
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name == "get_model":
                found.append((node.lineno, "apps.get_model", "?"))
            elif name in RELATIONS and node.args and isinstance(node.args[0], ast.Constant):
                reference = node.args[0].value
                if isinstance(reference, str) and "." in reference:
                    found.append((node.lineno, f"relation to {reference}", reference.split(".")[0]))
    return found


def violations_of(app: str, source: str, where: str = "") -> list[str]:
    own = floor_of(app)
    problems = []
    for line, how, target in _reached(ast.parse(source)):
        if target == "?":
            problems.append(f"{where}:{line}: {how} reaches a model no import shows")
            continue
        floor = floor_of(target)
        if target in OUTSIDE and target != app:
            problems.append(f"{where}:{line}: {how} of `{target}`, which stands outside the house")
        elif floor is not None and target != app and floor >= own:
            relation = "its own floor" if floor == own else f"floor {floor}"
            problems.append(f"{where}:{line}: {how} of `{target}` ({relation}) from `{app}` (floor {own})")
    return problems


def test_every_app_of_the_project_is_on_a_floor():
    on_disk = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert on_disk - set(OUTSIDE) == set(APPS)


@pytest.mark.parametrize("app", APPS)
def test_no_app_reaches_its_own_or_a_higher_floor(app):
    problems = []
    for path in _app_files(app):
        problems += violations_of(app, path.read_text(), str(path.relative_to(ROOT)))
    assert problems == []


@pytest.mark.parametrize(
    ("app", "source"),
    [
        ("catalog", "from stock.models import StockLevel"),
        ("catalog", "def f():\n    import stock.selectors"),
        ("users", 'warehouses = models.ManyToManyField("warehouses.Warehouse")'),
        ("catalog", 'Level = Variant._meta.get_field("stock_levels").related_model'),
        ("core", 'Organization = apps.get_model("users", "Organization")'),
        ("purchases", "from sales.services import sales_order_create"),
        ("stock", "from bench.steps import run"),
    ],
)
def test_the_check_catches_each_way_up(app, source):
    assert violations_of(app, source) != []


@pytest.mark.parametrize(
    ("app", "source"),
    [
        ("stock", "from catalog.models import Variant"),
        ("sales", 'variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT)'),
        ("catalog", 'organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE)'),
        ("reports", "from django.db import models\nfrom rest_framework import serializers"),
    ],
)
def test_the_check_lets_each_way_down_pass(app, source):
    assert violations_of(app, source) == []
