"""Services raise `core.exceptions` domain errors, never DRF's exceptions nor a `ValueError` for a user's mistake.

A service knows nothing of HTTP: a command, a Celery task or an admin action calls it and catches one family
(`DomainError`), and the exception handler gives each domain error the body of the DRF exception of the same
meaning. This reads the source of every app's `services.py` and `services/*.py` (no import, no database).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = sorted(path.parent for path in ROOT.glob("*/apps.py"))
MODULES = sorted(
    module
    for app in APPS
    for module in [app / "services.py", *sorted((app / "services").glob("*.py"))]
    if module.exists()
)
# A service imports nothing of DRF and raises none of SimpleJWT's exceptions (they are DRF's `AuthenticationFailed`);
# catching SimpleJWT's `TokenError` is fine.
DRF = "rest_framework"
JWT_EXCEPTIONS = "rest_framework_simplejwt.exceptions"

# `ValueError`s that are programmer errors, not a user's: (module, function) → why. Each must still exist.
VALUE_ERRORS_ALLOWED = {
    **{
        ("stock/services/ledger.py", function): "the ledger's callers validate the input first: a bad change or an "
        "object of another organization reaching it is a bug in the caller, not a user's mistake"
        for function in (
            "stock_add",
            "stock_remove",
            "stock_set_counted",
            "_validate_quantity",
            "_variants_of",
            "_missing_levels",
            "_levels_locked",
        )
    },
    (
        "users/services/members.py",
        "user_profile_update",
    ): "the caller passes the fields of a serializer that declares only "
    "profile fields; another name is a bug in the caller",
}


def _name(module: Path) -> str:
    return module.relative_to(ROOT).as_posix()


def _under(module_name: str, prefix: str) -> bool:
    return module_name == prefix or module_name.startswith(f"{prefix}.")


class _Raises(ast.NodeVisitor):
    """Each `raise` with the function around it and the name of what it raises."""

    def __init__(self):
        self.functions: list[str] = []
        self.found: list[tuple[str, str, int]] = []  # (function, raised name, line)

    def visit_FunctionDef(self, node):
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Raise(self, node):
        raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        name = raised.attr if isinstance(raised, ast.Attribute) else getattr(raised, "id", None)
        if name:
            self.found.append((self.functions[-1] if self.functions else "<module>", name, node.lineno))
        self.generic_visit(node)


def _drf_imports(tree: ast.Module) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and _under(node.module, DRF):
            found.append((node.module, node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names if _under(alias.name, DRF))
    return found


def _imported_from(tree: ast.Module, package: str) -> set[str]:
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and _under(node.module, package)
        for alias in node.names
    }


def _raises(module: Path) -> list[tuple[str, str, int]]:
    visitor = _Raises()
    visitor.visit(ast.parse(module.read_text(), filename=str(module)))
    return visitor.found


def test_the_services_of_every_app_are_found():
    names = {_name(module) for module in MODULES}

    assert {
        "purchases/services.py",
        "sales/services.py",
        "stock/services/transfers.py",
        "users/services/accounts.py",
    } <= names


@pytest.mark.parametrize("module", MODULES, ids=_name)
def test_a_service_imports_nothing_of_drf(module):
    tree = ast.parse(module.read_text(), filename=str(module))

    assert _drf_imports(tree) == [], f"{_name(module)} imports from DRF; raise a core.exceptions domain error"


@pytest.mark.parametrize("module", MODULES, ids=_name)
def test_a_service_raises_no_value_error_or_drf_error_for_input(module):
    name = _name(module)
    tree = ast.parse(module.read_text(), filename=str(module))
    # DRF's names (however they would get in: `exceptions.ValidationError`, `serializers.ValidationError`), not a
    # name the module took from Django (a model's `full_clean()` error may pass through).
    drf_errors = {"ValidationError", "AuthenticationFailed", "PermissionDenied", "NotFound", "APIException"}
    drf_errors = (drf_errors - _imported_from(tree, "django")) | _imported_from(tree, JWT_EXCEPTIONS)
    refused = [
        f"{name}:{line} {function}() raises {raised}"
        for function, raised, line in _raises(module)
        if raised in drf_errors or (raised == "ValueError" and (name, function) not in VALUE_ERRORS_ALLOWED)
    ]

    assert refused == [], "raise InvalidInput (or another core.exceptions domain error) instead"


def test_every_allowed_value_error_is_still_raised_where_it_is_allowed():
    raising = {
        (_name(module), function)
        for module in MODULES
        for function, raised, _ in _raises(module)
        if raised == "ValueError"
    }

    assert set(VALUE_ERRORS_ALLOWED) - raising == set()
