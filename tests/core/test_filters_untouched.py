"""`core.filters.FilterSet` builds no form when the query string names none of its filters, and still filters (and
refuses bad values) as django-filter does as soon as one is named, under whatever names its widget reads.
"""

import datetime as dt

import django_filters
import pytest
from django.http import QueryDict
from django.utils import timezone

from catalog.models import Product
from core.filters import BooleanFilter, FilterSet
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db


class ProductDates(FilterSet):
    # Reads `created_after` / `created_before`, never `created`.
    created = django_filters.DateFromToRangeFilter(field_name="created_at")
    is_active = BooleanFilter()

    class Meta:
        model = Product
        fields = ["created", "is_active"]


@pytest.fixture
def products(org):
    old = ProductFactory(organization=org, name="Old")
    Product.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    new = ProductFactory(organization=org, name="New", is_active=False)
    return old, new


def _filtered(query: str, *, prefix=None):
    filterset = ProductDates(QueryDict(query), queryset=Product.objects.order_by("name"), prefix=prefix)
    return filterset, filterset.is_valid()


def test_no_filter_named_builds_no_form_and_lists_everything(products):
    filterset, valid = _filtered("page=2&ordering=name&search=x")
    assert valid
    assert [product.name for product in filterset.qs] == ["New", "Old"]
    assert "_form" not in filterset.__dict__


def test_a_filter_read_under_a_suffixed_name_still_filters(products):
    since = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    filterset, valid = _filtered(f"created_after={since}")
    assert valid
    assert [product.name for product in filterset.qs] == ["New"]


def test_a_named_filter_with_a_bad_value_is_still_refused(products):
    filterset, valid = _filtered("is_active=ture")
    assert not valid
    assert "is_active" in filterset.errors


def test_an_empty_value_is_named_and_validated_as_before(products):
    filterset, valid = _filtered("is_active=")
    assert valid
    assert [product.name for product in filterset.qs] == ["New", "Old"]


def test_a_prefixed_filterset_reads_its_prefixed_names(products):
    filterset, valid = _filtered("p-is_active=false", prefix="p")
    assert valid
    assert [product.name for product in filterset.qs] == ["New"]
    filterset, valid = _filtered("is_active=false", prefix="p")
    assert [product.name for product in filterset.qs] == ["New", "Old"]


def test_the_product_list_without_filters_and_with_one(admin_client, products):
    assert [row["name"] for row in admin_client.get("/api/products/?ordering=name").json()["results"]] == [
        "New",
        "Old",
    ]
    body = admin_client.get("/api/products/?ordering=name&is_active=true").json()
    assert [row["name"] for row in body["results"]] == ["Old"]
    response = admin_client.get("/api/products/?is_active=maybe")
    assert response.status_code == 400
    assert "is_active" in response.json()["errors"]
