"""Tenant isolation, checked on every list route the URLconf registers.

The routes are discovered, not listed: any DRF viewset route named `*-list` takes part, so an app added later is
covered without touching this file. For each route, one object of the route's model is made in another
organization with that model's factory (every `DjangoModelFactory` in `tests/*/factories.py`, found by model); the
caller's organization must not see it in the list, and its detail route must answer 404 with the contract's error
body. A list route whose model has no factory fails here: write the factory (accepting `organization=`).

The second test runs the same walk as the other organization's admin and finds the object, which proves the first
test looks at the right place and can fail.
"""

import importlib
import inspect
from dataclasses import dataclass
from pathlib import Path

import factory.django
import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

TESTS_DIR = Path(__file__).resolve().parent.parent

# List routes that are not lists of organization objects addressed by their id. Each needs a reason.
NOT_OBJECT_SCOPED: dict[str, str] = {
    "users:role-list": "the role matrix of the contract: the same for everyone, not organization data",
}


@dataclass(frozen=True)
class ListRoute:
    name: str  # "namespace:basename-list"
    viewset: type

    @property
    def detail_name(self) -> str:
        return self.name.removesuffix("-list") + "-detail"

    def __str__(self):
        return self.name


def _walk(patterns, namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, inner or namespace)
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern


def list_routes() -> list[ListRoute]:
    """Every DRF viewset list route of the project URLconf, once each (format-suffix twins share a name)."""
    found: dict[str, ListRoute] = {}
    for namespace, pattern in _walk(get_resolver().url_patterns):
        viewset = getattr(pattern.callback, "cls", None)
        if not pattern.name or not pattern.name.endswith("-list") or viewset is None:
            continue
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        found.setdefault(name, ListRoute(name, viewset))
    return sorted(found.values(), key=lambda route: route.name)


def _model_of(viewset):
    queryset = getattr(viewset, "queryset", None)
    if queryset is not None:
        return queryset.model
    meta = getattr(getattr(viewset, "serializer_class", None), "Meta", None)
    return getattr(meta, "model", None)


def _factories_by_model() -> dict[type, type]:
    factories: dict[type, type] = {}
    for path in sorted(TESTS_DIR.glob("*/factories.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.factories")
        for _, klass in inspect.getmembers(module, inspect.isclass):
            if not issubclass(klass, factory.django.DjangoModelFactory) or klass._meta.abstract:
                continue
            model = klass._meta.get_model_class()
            # Prefer the factory named after the model when a module defines several for one model.
            if model not in factories or klass.__name__ == f"{model.__name__}Factory":
                factories[model] = klass
    return factories


ROUTES = [route for route in list_routes() if route.name not in NOT_OBJECT_SCOPED]


def _make_object(route: ListRoute, organization):
    model = _model_of(route.viewset)
    if model is None:
        pytest.fail(
            f"{route}: cannot tell which model {route.viewset.__name__} lists. Give it a `queryset`, or add the "
            f"route to NOT_OBJECT_SCOPED in {Path(__file__).name} with the reason it holds no organization data."
        )
    make = _factories_by_model().get(model)
    if make is None:
        pytest.fail(
            f"{route}: no factory for {model._meta.label} in tests/*/factories.py. Add a DjangoModelFactory for it "
            f"that accepts `organization=`, so this isolation test covers the route."
        )
    return make(organization=organization)


def _listed_ids(response) -> set:
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    assert isinstance(rows, list), f"unexpected list body: {body!r}"
    return {row.get("id") for row in rows if isinstance(row, dict)}


def _detail_url(route: ListRoute, obj) -> str | None:
    lookup_field = getattr(route.viewset, "lookup_field", "pk")
    lookup_kwarg = getattr(route.viewset, "lookup_url_kwarg", None) or lookup_field
    try:
        return reverse(route.detail_name, kwargs={lookup_kwarg: getattr(obj, lookup_field)})
    except Exception:  # NoReverseMatch: a list-only route
        return None


def test_the_walk_finds_the_list_routes_of_the_project():
    names = {route.name for route in list_routes()}

    assert "warehouses:warehouse-list" in names


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_another_organizations_object_is_absent_from_the_list_and_404_on_detail(route, client_for, admin, other_org):
    foreign = _make_object(route, other_org)
    client = client_for(admin)

    listed = client.get(reverse(route.name), {"page_size": 100})
    detail_url = _detail_url(route, foreign)

    assert listed.status_code == 200, listed.content
    assert foreign.pk not in _listed_ids(listed)
    if detail_url is not None:
        detail = client.get(detail_url)
        assert detail.status_code == 404, detail.content
        body = detail.json()
        assert (body["status"], body["code"]) == (404, "not_found")
        assert isinstance(body["detail"], str) and body["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_the_owning_organizations_admin_sees_the_same_object(route, client_for, other_admin):
    own = _make_object(route, other_admin.organization)
    client = client_for(other_admin)

    listed = client.get(reverse(route.name), {"page_size": 100})
    detail_url = _detail_url(route, own)

    assert listed.status_code == 200, listed.content
    assert own.pk in _listed_ids(listed)
    if detail_url is not None:
        detail = client.get(detail_url)
        assert detail.status_code == 200, detail.content
        assert detail.json()["id"] == own.pk
