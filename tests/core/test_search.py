"""`core.filters.SearchFilter`: the same matches as DRF's `?search=`, read so that trigram indexes can serve them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.filters import SearchFilter as DrfSearchFilter
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from catalog.models import Product
from core.filters import SearchFilter
from stock.models import StockMovement
from tests.catalog.factories import VariantFactory
from tests.reports.conftest import make_variant
from tests.stock.helpers import put_stock

pytestmark = pytest.mark.django_db

MOVEMENTS = "/api/stock-movements/"


class MovementSearch:
    search_fields = ["variant__sku", "variant__product__name", "note"]


class ProductSearch:
    search_fields = ["name", "description", "variants__sku", "variants__barcode"]


def matches(backend, view, user, term: str, queryset) -> list[int]:
    request = Request(APIRequestFactory().get("/", {"search": term}))
    request.user = user
    return sorted(backend().filter_queryset(request, queryset, view()).values_list("pk", flat=True))


@pytest.fixture
def ledger(org, warehouse, admin, other_org, foreign_warehouse):
    mug = make_variant(org, "MUG-00042", "Coffee mug")
    tea = make_variant(org, "TEA-1", "Teapot 00042")
    plain = make_variant(org, "PLAIN-7", "Plate")
    for variant in (mug, tea, plain):
        put_stock(variant, warehouse, 5, by=admin)
    noted = put_stock(plain, warehouse, 1, by=admin)
    StockMovement.objects.filter(pk=noted.pk).update(note="count of shelf 00042")
    put_stock(make_variant(other_org, "MUG-00042", "Their mug"), foreign_warehouse, 3)
    return {"mug": mug, "tea": tea, "plain": plain, "noted": noted}


@pytest.mark.parametrize("term", ["00042", "mug", "plate 7", "MUG TEA", "nothing-like-it", "00042 shelf"])
def test_movements_match_what_drfs_search_matches(ledger, admin, term):
    movements = StockMovement.objects.filter(organization_id=admin.organization_id)

    ours = matches(SearchFilter, MovementSearch, admin, term, movements)

    assert ours == matches(DrfSearchFilter, MovementSearch, admin, term, movements)


def test_a_term_in_a_related_name_or_a_note_finds_those_movements_only(ledger, admin):
    movements = StockMovement.objects.filter(organization_id=admin.organization_id)

    found = matches(SearchFilter, MovementSearch, admin, "00042", movements)

    expected = StockMovement.objects.filter(variant__in=[ledger["mug"], ledger["tea"]]).values_list("pk", flat=True)
    assert found == sorted([*expected, ledger["noted"].pk])


def test_more_related_matches_than_the_limit_give_the_same_rows(monkeypatch, ledger, admin):
    movements = StockMovement.objects.filter(organization_id=admin.organization_id)
    monkeypatch.setattr(SearchFilter, "related_limit", 1)

    assert matches(SearchFilter, MovementSearch, admin, "00042", movements) == matches(
        DrfSearchFilter, MovementSearch, admin, "00042", movements
    )


def test_a_product_whose_several_variants_match_is_found_once(org, admin):
    product = Product.objects.create(organization=org, name="Shirt")
    for sku in ("SHIRT-S", "SHIRT-M", "SHIRT-L"):
        VariantFactory(organization=org, product=product, sku=sku)
    products = Product.objects.filter(organization=org)

    assert matches(SearchFilter, ProductSearch, admin, "shirt-", products) == [product.pk]


def test_the_movement_list_answers_a_search_with_one_extra_query_per_related_field(ledger, admin_client):
    with CaptureQueriesContext(connection) as plain:
        admin_client.get(MOVEMENTS)
    with CaptureQueriesContext(connection) as searched:
        response = admin_client.get(MOVEMENTS, {"search": "00042"})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 3  # the mug's and the teapot's opening stock, the noted count
    assert len(searched) == len(plain) + 2
