"""The product list shapes rows (`selectors.product_rows`, `representations.product_rows_data`); every other product
route serializes model instances with `ProductSerializer`. The two must write the same product.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers

from catalog import selectors
from catalog.serializers import ProductSerializer, ProductVariantSerializer
from tests.catalog.factories import ProductFactory, VariantFactory
from tests.suppliers.factories import SupplierFactory

pytestmark = pytest.mark.django_db

URL = "/api/products/"


@pytest.fixture
def products(org, admin, warehouse, other_warehouse, make_level):
    """Products covering every optional field and every stock case the list can show."""
    today = timezone.localdate()
    full = ProductFactory(
        organization=org,
        name="Full",
        description="Arabica, 1 kg",
        supplier=SupplierFactory(organization=org),
        created_by=admin,
        expiration_date=today + timedelta(days=30),
    )
    low = VariantFactory(
        product=full,
        barcode="4006381333931",
        attributes={"size": "1kg", "roast": "dark"},
        price=Decimal("18.50"),
        cost=Decimal("11.25"),
        reorder_level=5,
    )
    make_level(low, warehouse, 3)
    make_level(low, other_warehouse, 40)
    plenty = VariantFactory(product=full, price=Decimal("0.10"), reorder_level=1)
    make_level(plenty, warehouse, 9, override=12)
    bare = ProductFactory(organization=org, name="Bare", category=None, is_active=False)
    VariantFactory(product=bare, reorder_level=2)  # never stocked: low
    expired = ProductFactory(organization=org, name="Expired", expiration_date=today - timedelta(days=1))
    make_level(VariantFactory(product=expired, price=Decimal("1234567890.99")), other_warehouse, 0)
    ProductFactory(organization=org, name="No variants")
    return [full, bare, expired]


def _list(client, **params) -> dict[int, dict]:
    body = client.get(URL, {"page_size": 100, **params}).json()
    return {product["id"]: product for product in body["results"]}


@pytest.mark.parametrize("in_warehouse", [None, "warehouse", "other_warehouse"])
def test_the_list_writes_each_product_as_its_detail_route_does(viewer_client, products, request, in_warehouse):
    params = {"warehouse": request.getfixturevalue(in_warehouse).pk} if in_warehouse else {}

    listed = _list(viewer_client, **params)

    assert len(listed) == 4
    for product_id, product in listed.items():
        assert product == viewer_client.get(f"{URL}{product_id}/", params).json()


def test_the_list_writes_what_the_serializers_declared_fields_write(viewer_client, org, products):
    """The detail route builds its dicts by hand too: hold both to DRF's own output of the declared fields."""
    listed = _list(viewer_client)

    for product in selectors.product_list(organization=org):
        declared = serializers.ModelSerializer.to_representation(ProductSerializer(), product)
        declared["variants"] = [
            serializers.ModelSerializer.to_representation(ProductVariantSerializer(), variant)
            for variant in product.variants.all()
        ]
        assert listed[product.pk] == declared


def test_rows_and_variants_are_read_for_the_page_only(org, products, django_assert_num_queries):
    page = list(selectors.product_rows(selectors.product_table(organization=org).order_by("name"))[:2])

    with django_assert_num_queries(1):
        variants = selectors.product_variant_rows([row["id"] for row in page])

    assert [row["name"] for row in page] == ["Bare", "Expired"]
    assert set(variants) == {row["id"] for row in page}
    assert [len(variants[row["id"]]) for row in page] == [1, 1]
    assert selectors.product_variant_rows([]) == {}


def test_timestamps_are_written_in_the_current_time_zone_by_both(viewer_client, products):
    with timezone.override("Europe/Paris"):
        listed = _list(viewer_client)
        detail = viewer_client.get(f"{URL}{products[0].pk}/").json()

    assert listed[products[0].pk] == detail
    assert detail["created_at"].endswith(("+01:00", "+02:00"))


def test_reads_see_every_change_made_since_the_previous_read(org, products):
    """The annotated querysets are kept between requests (catalog.selectors): only clones of them are evaluated."""
    before = list(selectors.product_table(organization=org))
    added = ProductFactory(organization=org, name="Later")
    VariantFactory(product=products[1], sku="ADDED")

    after = list(selectors.product_table(organization=org))
    variants = selectors.product_variant_rows([products[1].pk])

    assert len(after) == len(before) + 1
    assert added.pk in {product.pk for product in after}
    assert "ADDED" in [variant["sku"] for variant in variants[products[1].pk]]


def test_is_expired_is_computed_for_the_day_of_the_read(org, monkeypatch):
    today = timezone.localdate()
    product = ProductFactory(organization=org, expiration_date=today + timedelta(days=1))
    assert selectors.product_table(organization=org).get(pk=product.pk).is_expired is False

    monkeypatch.setattr(timezone, "localdate", lambda: today + timedelta(days=1))

    assert selectors.product_table(organization=org).get(pk=product.pk).is_expired is True
