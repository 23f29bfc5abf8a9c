"""`core.kept_pages`: a list read without filters runs statements compiled once per shape, and still answers what
is there now, for the caller's organization only, in the order asked; anything else takes the ORM's path.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Product
from core import kept_pages
from core.kept import _Statement
from stock.models import Reason
from stock.services import StockChange, stock_add
from tests.catalog.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.warehouses.factories import WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_store():
    kept_pages.clear()
    yield
    kept_pages.clear()


def _names(client, query=""):
    response = client.get(f"/api/products/?{query}")
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]], response.json()["count"]


def _compiles(monkeypatch) -> list:
    """The statements `core.kept_pages` compiles from now on (their database aliases)."""
    compiled = []

    class Counted(_Statement):
        @classmethod
        def compile(cls, queryset, alias):
            compiled.append(alias)
            return _Statement.compile(queryset, alias)

    monkeypatch.setattr(kept_pages, "_Statement", Counted)
    return compiled


def test_a_page_is_compiled_once_and_reads_what_is_there_now(admin_client, org, monkeypatch):
    compiled = _compiles(monkeypatch)
    for name in ("B", "A", "C"):
        ProductFactory(organization=org, name=name)
    assert _names(admin_client, "ordering=name&page_size=2") == (["A", "B"], 3)
    ProductFactory(organization=org, name="0 first")
    assert _names(admin_client, "ordering=name&page_size=2") == (["0 first", "A"], 4)
    assert _names(admin_client, "ordering=-name&page_size=2") == (["C", "B"], 4)
    assert _names(admin_client, "ordering=name&page_size=2&page=2") == (["B", "C"], 4)
    # One statement per shape (order, slice): the second read of the first shape compiled nothing.
    assert len(compiled) == 3


def test_each_organization_reads_its_own_rows(admin_client, other_admin, client_for, org, other_org):
    ProductFactory(organization=org, name="Ours")
    ProductFactory(organization=other_org, name="Theirs")
    assert _names(admin_client) == (["Ours"], 1)
    assert _names(client_for(other_admin)) == (["Theirs"], 1)
    assert _names(admin_client) == (["Ours"], 1)


def test_the_count_statement_is_kept_and_counts_now(admin_client, org):
    for index in range(3):
        ProductFactory(organization=org, name=f"P{index}")
    with CaptureQueriesContext(connection) as first:
        assert _names(admin_client, "page_size=2")[1] == 3  # a full page: counted
    ProductFactory(organization=org, name="P3")
    ProductFactory(organization=org, name="P4")
    with CaptureQueriesContext(connection) as kept:
        assert _names(admin_client, "page_size=2")[1] == 5
    assert [query["sql"] for query in kept.captured_queries] == [query["sql"] for query in first.captured_queries]


def test_searches_are_not_kept_and_ids_are_checked_on_every_request(admin_client, org, other_org, monkeypatch):
    bolt = ProductFactory(organization=org, name="Bolt")
    ProductFactory(organization=org, name="Nut")
    empty = CategoryFactory(organization=org)
    theirs = CategoryFactory(organization=other_org)
    compiled = _compiles(monkeypatch)
    assert _names(admin_client, "search=bol") == (["Bolt"], 1)
    assert compiled == []
    for _ in range(2):
        assert _names(admin_client, f"category={bolt.category_id}") == (["Bolt"], 1)
        assert _names(admin_client, f"category={empty.pk}") == ([], 0)
        # An id of another organization is refused every time, by the filter's own check.
        assert admin_client.get(f"/api/products/?category={theirs.pk}").status_code == 400
        assert admin_client.get("/api/products/?ordering=prize").status_code == 400
    assert len(compiled) == 2  # one statement per category
    empty.delete()  # a kept statement for it exists: the id is still checked, and refused now
    response = admin_client.get(f"/api/products/?category={empty.pk}")
    assert response.status_code == 400
    assert "category" in response.json()["errors"]


def test_a_kept_filter_is_kept_per_value_and_still_refuses_bad_values(admin_client, org, monkeypatch):
    bolt = ProductFactory(organization=org, name="Bolt", is_active=False)
    ProductFactory(organization=org, name="Nut")
    compiled = _compiles(monkeypatch)
    for _ in range(2):
        assert _names(admin_client, "is_active=true") == (["Nut"], 1)
        assert _names(admin_client, "is_active=false") == (["Bolt"], 1)
    assert len(compiled) == 2  # one per value
    Product.objects.filter(pk=bolt.pk).update(is_active=True)
    assert _names(admin_client, "is_active=true&ordering=name") == (["Bolt", "Nut"], 2)
    for _ in range(2):
        assert admin_client.get("/api/products/?is_active=ture").status_code == 400


def test_the_day_is_part_of_the_key(admin_client, org, monkeypatch):
    today = timezone.localdate()
    ProductFactory(organization=org, name="Milk", expiration_date=today + dt.timedelta(days=1))
    assert admin_client.get("/api/products/").json()["results"][0]["is_expired"] is False
    monkeypatch.setattr(timezone, "localdate", lambda *a, **kw: today + dt.timedelta(days=2))
    assert admin_client.get("/api/products/").json()["results"][0]["is_expired"] is True


def test_movement_pages_follow_their_cursors(admin_client, org, warehouse):
    variant = VariantFactory(organization=org)
    for _ in range(5):
        stock_add(organization_id=org.pk, changes=[StockChange(variant.pk, warehouse.pk, 1)], reason=Reason.ADJUSTMENT)
    seen, url = [], "/api/stock-movements/?page_size=2"
    for _ in range(2):  # twice: the second walk runs the kept statements
        seen, url = [], "/api/stock-movements/?page_size=2"
        while url:
            body = admin_client.get(url).json()
            seen += [row["balance_after"] for row in body["results"]]
            url = body["next"]
        assert seen == [5, 4, 3, 2, 1]
    back = admin_client.get(admin_client.get("/api/stock-movements/?page_size=2").json()["next"]).json()["previous"]
    assert [row["balance_after"] for row in admin_client.get(back).json()["results"]] == [5, 4]


def test_categories_and_levels_are_kept_per_organization(admin_client, other_admin, client_for, org, other_org):
    for organization, name in ((org, "Ours"), (other_org, "Theirs")):
        CategoryFactory(organization=organization, name=name)
        variant = VariantFactory(organization=organization, sku=f"SKU-{name}")
        place = WarehouseFactory(organization=organization)
        stock_add(
            organization_id=organization.pk, changes=[StockChange(variant.pk, place.pk, 3)], reason=Reason.ADJUSTMENT
        )
    theirs = client_for(other_admin)
    for _ in range(2):
        assert "Ours" in [row["name"] for row in admin_client.get("/api/categories/").json()["results"]]
        assert "Ours" not in [row["name"] for row in theirs.get("/api/categories/").json()["results"]]
        assert [row["sku"] for row in admin_client.get("/api/stock-levels/").json()["results"]] == ["SKU-Ours"]
        assert [row["sku"] for row in theirs.get("/api/stock-levels/").json()["results"]] == ["SKU-Theirs"]
