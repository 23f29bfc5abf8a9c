"""`core.kept_writes`: an insert or update compiled once writes what the ORM's own would, for every call's values,
and any value it cannot adapt as the compiler does takes the ORM's path.
"""

import pytest
from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Upper
from django.db.models.sql.compiler import SQLInsertCompiler, SQLUpdateCompiler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Category
from core import kept_writes
from core.kept_writes import kept_insert, kept_update
from core.tallies import rows_insert

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh():
    kept_writes._inserts.clear()
    kept_writes._updates.clear()


@pytest.fixture
def compiles(monkeypatch):
    """How many times an insert or update was compiled."""
    counted = {"n": 0}
    for compiler in (SQLInsertCompiler, SQLUpdateCompiler):
        monkeypatch.setattr(compiler, "as_sql", _counting(compiler.as_sql, counted))
    return counted


def _counting(original, counted):
    def as_sql(self, *args, **kwargs):
        counted["n"] += 1
        return original(self, *args, **kwargs)

    return as_sql


def test_kept_insert_saves_the_rows_as_bulk_create_would_compiled_once(org, compiles):
    before = timezone.now()
    [first] = kept_insert([Category(organization=org, name="Bolts", description="M6")])
    two = kept_insert([Category(organization=org, name="Nuts"), Category(organization_id=org.pk, name="Pins")])
    compiles["n"] = 0

    with CaptureQueriesContext(connection) as queries:
        [again] = kept_insert([Category(organization=org, name="Rivets")])
        more = kept_insert([Category(organization=org, name="Studs"), Category(organization=org, name="Clips")])

    assert len(queries) == 2 and compiles["n"] == 0  # kept per number of rows
    for category in (first, *two, again, *more):
        stored = Category.objects.get(pk=category.pk)  # the primary key came back from the insert
        assert (stored.name, stored.organization_id) == (category.name, org.pk)
        assert stored.created_at == category.created_at >= before  # auto_now_add, as the ORM sets it
        assert not category._state.adding and category._state.db == "default"
    assert Category.objects.get(pk=first.pk).description == "M6"


def test_kept_insert_of_a_value_it_cannot_adapt_takes_the_orms_path(org):
    kept_insert([Category(organization=org, name="plain")])

    [loud] = kept_insert([Category(organization=org, name=Upper(Value("loud")))])

    assert Category.objects.filter(organization=org, name="LOUD").exists()
    assert loud.pk is not None


def test_kept_insert_sends_its_companion_insert_in_the_same_statement_on_postgresql(org, warehouse, admin):
    from stock.models import MovementDay

    def tally(categories):
        day = categories[0].created_at.date()
        columns = ("organization", "warehouse", "day", "reason", "performed_by", "units_in", "units_out", "movements")
        return rows_insert(MovementDay, columns, [(org.pk, warehouse.pk, day, "adjustment", admin.pk, 3, 0, 1)])

    kept_insert([Category(organization=org, name="warm")])
    with CaptureQueriesContext(connection) as queries:
        [category] = kept_insert([Category(organization=org, name="Washers")], along=tally)

    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    assert Category.objects.filter(pk=category.pk, name="Washers").exists()
    [row] = MovementDay.objects.filter(organization=org).values("day", "units_in")
    assert row == {"day": category.created_at.date(), "units_in": 3}  # from the values the insert wrote


def test_kept_update_changes_that_row_only_compiled_once(org, admin, compiles):
    ours, other = (
        Category.objects.create(organization=org, name="A"),
        Category.objects.create(organization=org, name="B"),
    )
    kept_update(Category, ours.pk, name="A1", description="first")
    compiles["n"] = 0

    with CaptureQueriesContext(connection) as queries:
        changed = kept_update(Category, ours.pk, name="A2", description="second")
        none = kept_update(Category, 2**62, name="ghost", description="")

    assert (changed, none) == (1, 0)
    assert len(queries) == 2 and compiles["n"] == 0
    assert Category.objects.get(pk=ours.pk).name == "A2"
    assert Category.objects.get(pk=other.pk).name == "B"


def test_kept_update_takes_a_related_object_or_an_expression_as_the_orm_does(org, other_org):
    category = Category.objects.create(organization=org, name="Moving")

    kept_update(Category, category.pk, organization=other_org)
    kept_update(Category, category.pk, organization=org)
    kept_update(Category, category.pk, name=Upper(F("name")))

    category.refresh_from_db()
    assert (category.organization_id, category.name) == (org.pk, "MOVING")
