"""`core.kept`: a statement compiled once per arguments still reads what is there now, converted and named as the
ORM would, for the arguments (the organization) it was given only.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F, Sum
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from catalog.models import Category, Product, Variant
from core import kept as kept_module
from core.kept import kept_get, kept_get_by, kept_in_bulk, kept_rows, kept_rows_for_ids
from tests.catalog.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


@kept_rows
def category_names(organization_id: int):
    return Category.objects.filter(organization_id=organization_id).order_by("name").values("name", key=F("pk"))


@kept_rows
def product_figures(organization_id: int):
    return (
        Product.objects.filter(organization_id=organization_id)
        .order_by("pk")
        .values("expiration_date", "is_active", "min_price", cost=Sum("variants__cost"))
    )


@kept_rows
def nothing(organization_id: int):
    return Category.objects.filter(organization_id=organization_id, pk__in=[]).values("name")


@pytest.fixture(autouse=True)
def _fresh():
    for kept in (category_names, product_figures, nothing):
        kept.cache_clear()


@pytest.fixture
def compiles(monkeypatch):
    """How many times a statement was compiled."""
    counted = {"n": 0}
    original = SQLCompiler.as_sql

    def as_sql(self, *args, **kwargs):
        counted["n"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", as_sql)
    return counted


def test_compiled_once_and_every_call_reads_the_rows_there_now(org, compiles):
    Category.objects.create(organization=org, name="Bolts")
    assert category_names(org.pk) == list(Category.objects.filter(organization=org).values("name", key=F("pk")))
    first = compiles["n"]

    added = Category.objects.create(organization=org, name="Anchors")
    compiles["n"] = 0
    with CaptureQueriesContext(connection) as queries:
        rows = category_names(org.pk)

    assert rows[0] == {"name": "Anchors", "key": added.pk}
    assert [row["name"] for row in rows] == ["Anchors", "Bolts"]
    assert first >= 1 and compiles["n"] == 0  # run, not compiled again
    assert len(queries) == 1  # and seen by the connection's query log like any other statement


def test_each_organization_gets_its_own_statement_and_rows(org, other_org):
    Category.objects.create(organization=org, name="Ours")
    Category.objects.create(organization=other_org, name="Theirs")

    assert [row["name"] for row in category_names(org.pk)] == ["Ours"]
    assert [row["name"] for row in category_names(other_org.pk)] == ["Theirs"]


def test_values_are_converted_as_the_orm_converts_them(org):
    product = ProductFactory(organization=org, expiration_date=dt.date(2030, 1, 31), is_active=False)
    VariantFactory(organization=org, product=product, cost=Decimal("2.50"))
    VariantFactory(organization=org, product=product, cost=Decimal("1.25"))
    expected = list(
        Product.objects.filter(organization=org)
        .order_by("pk")
        .values("expiration_date", "is_active", "min_price", cost=Sum("variants__cost"))
    )

    rows = product_figures(org.pk)

    assert rows == expected
    assert rows[0]["expiration_date"] == dt.date(2030, 1, 31)
    assert rows[0]["is_active"] is False
    assert rows[0]["cost"] == Decimal("3.75")


def test_a_statement_the_orm_knows_to_be_empty_costs_no_round_trip(org):
    with CaptureQueriesContext(connection) as queries:
        assert nothing(org.pk) == []
        assert nothing(org.pk) == []
    assert len(queries) == 0


# --- kept_get: one object by id -------------------------------------------------------------------------------------


@pytest.fixture
def _no_lookups():
    kept_module._lookups.clear()


@pytest.mark.usefixtures("_no_lookups")
def test_kept_get_is_the_orms_get_within_the_organization_compiled_once(org, other_org, compiles):
    ours = VariantFactory(organization=org, cost=Decimal("2.50"))
    theirs = VariantFactory(organization=other_org)
    queryset = Variant.objects.select_related("product")
    kept_get(queryset, ours.pk, organization_field="organization", organization_id=org.pk)
    compiles["n"] = 0

    with CaptureQueriesContext(connection) as queries:
        found = kept_get(queryset, ours.pk, organization_field="organization", organization_id=org.pk)
        name = found.product.name  # joined: no query more
        missing = kept_get(queryset, theirs.pk, organization_field="organization", organization_id=org.pk)

    assert compiles["n"] == 0 and len(queries) == 2
    assert found == ours and found.cost == Decimal("2.50") and name == ours.product.name
    assert found._state.db == "default" and not found._state.adding
    assert missing is None  # another organization's id: no such object here


def test_kept_in_bulk_is_the_orms_in_bulk_within_the_organization_compiled_once_per_count(org, other_org, compiles):
    ours = [VariantFactory(organization=org, cost=Decimal(f"{index}.25")) for index in range(3)]
    theirs = VariantFactory(organization=other_org)
    queryset = Variant.objects.select_related("product")
    ids = [ours[0].pk, ours[2].pk, theirs.pk]
    kept_in_bulk(queryset, ids, organization_field="organization", organization_id=org.pk)
    compiles["n"] = 0

    with CaptureQueriesContext(connection) as queries:
        found = kept_in_bulk(queryset, ids, organization_field="organization", organization_id=org.pk)
        names = {pk: variant.product.name for pk, variant in found.items()}  # joined: no query more
        other = kept_in_bulk(
            queryset, [ours[1].pk, ours[0].pk, 10**12], organization_field="organization", organization_id=org.pk
        )

    assert compiles["n"] == 0 and len(queries) == 2  # three ids each time: one statement
    assert found == Variant.objects.filter(organization=org).in_bulk(ids)
    assert found[ours[2].pk].cost == Decimal("2.25") and names == {v.pk: v.product.name for v in (ours[0], ours[2])}
    assert set(other) == {ours[0].pk, ours[1].pk}  # another organization's id, or none's: not found
    assert kept_in_bulk(queryset, [], organization_field="organization", organization_id=org.pk) == {}
    many = range(1, kept_module.MAX_BULK + 2)
    assert kept_in_bulk(queryset, many, organization_field="organization", organization_id=org.pk) is NotImplemented


def test_kept_get_leaves_any_other_queryset_to_the_orm(org):
    variant = VariantFactory(organization=org)
    for queryset in (
        Variant.objects.filter(price__gt=0),
        Variant.objects.annotate(twice=F("price") * 2),
        Variant.objects.prefetch_related("stock_levels"),
    ):
        assert kept_get(queryset, variant.pk, organization_field="organization", organization_id=org.pk) is (
            NotImplemented
        )


@pytest.mark.usefixtures("_no_lookups")
def test_kept_get_reads_only_the_columns_asked_for_with_a_statement_per_shape(org):
    variant = VariantFactory(organization=org, sku="NARROW-1", cost=Decimal("4.00"))
    narrow = Variant.objects.select_related("product").only("sku", "product__name")

    found = kept_get(narrow, variant.pk, organization_field="organization", organization_id=org.pk)
    whole = kept_get(Variant.objects.select_related("product"), variant.pk, **_in(org))

    assert found.get_deferred_fields() == narrow.get(pk=variant.pk).get_deferred_fields()  # as the ORM defers
    with CaptureQueriesContext(connection) as queries:
        assert (found.sku, found.product.name) == ("NARROW-1", variant.product.name)
    assert len(queries) == 0  # read with the row
    assert not whole.get_deferred_fields() and whole.cost == Decimal("4.00")  # not the narrow statement
    with CaptureQueriesContext(connection) as queries:
        assert found.cost == Decimal("4.00")  # a column left out is loaded as the ORM loads it
    assert len(queries) == 1


@pytest.mark.usefixtures("_no_lookups")
def test_kept_get_by_finds_the_row_of_other_columns_within_the_organization(org, other_org, compiles):
    ours, theirs = VariantFactory(organization=org), VariantFactory(organization=other_org)
    queryset = Variant.objects.select_related("product")

    def by_product(variant, organization, **conditions):
        return kept_get_by(queryset, conditions=conditions, product_id=variant.product_id, **_in(organization))

    assert by_product(ours, org) == ours
    compiles["n"] = 0
    with CaptureQueriesContext(connection) as queries:
        assert by_product(ours, org) == ours
        assert by_product(theirs, org) is None  # another organization's product
        assert by_product(theirs, other_org) == theirs
        assert by_product(ours, org, sku=ours.sku) == ours
        assert by_product(ours, org, sku="NO-SUCH") is None  # a fixed condition is part of the statement
    assert len(queries) == 5 and compiles["n"] == 3  # compiled once per organization and conditions


def _in(organization):
    return {"organization_field": "organization", "organization_id": organization.pk}


# --- kept_rows_for_ids: a list of ids replaced in a statement compiled once -----------------------------------------


@kept_rows_for_ids
def variants_of(organization_id: int, product_ids: tuple[int, ...]):
    variants = Variant.objects.filter(organization_id=organization_id, product_id__in=product_ids)
    return variants.order_by("pk").values("pk", "sku", "attributes", "cost")


def test_kept_rows_for_ids_reads_the_ids_of_each_call_from_one_compiled_statement(org, compiles):
    variants_of.cache_clear()
    first, second, third = (VariantFactory(organization=org, attributes={"n": n}) for n in range(3))
    columns = ("pk", "sku", "attributes", "cost")
    orm = {row["pk"]: row for row in Variant.objects.filter(organization=org).values(*columns)}
    assert variants_of(org.pk, (first.product_id, second.product_id)) == [orm[first.pk], orm[second.pk]]
    compiles["n"] = 0

    assert variants_of(org.pk, (third.product_id, first.product_id)) == [orm[first.pk], orm[third.pk]]
    assert variants_of(org.pk, [second.product_id, third.product_id]) == [orm[second.pk], orm[third.pk]]
    assert compiles["n"] == 0  # the same length: the same statement, other ids
    assert variants_of(org.pk, (third.product_id,)) == [orm[third.pk]]  # another length compiles its own
    assert variants_of(org.pk + 1000, (first.product_id,)) == []  # the other arguments still apply
    with CaptureQueriesContext(connection) as queries:
        assert variants_of(org.pk, ()) == []
    assert len(queries) == 0
